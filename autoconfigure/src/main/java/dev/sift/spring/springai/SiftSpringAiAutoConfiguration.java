package dev.sift.spring.springai;

import dev.sift.spring.SiftEngine;
import dev.sift.spring.SiftEngineAutoConfiguration;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.model.SpringAIModelProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * A Spring AI {@link ChatModel} backed by the Sift engine, when Spring AI is on the classpath and
 * {@code spring.ai.model.chat} is {@code sift} or unset.
 */
@AutoConfiguration(after = SiftEngineAutoConfiguration.class)
@ConditionalOnClass(ChatModel.class)
@ConditionalOnBean(SiftEngine.class)
@ConditionalOnProperty(name = SpringAIModelProperties.CHAT_MODEL, havingValue = SiftChatModel.PROVIDER, matchIfMissing = true)
public class SiftSpringAiAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public SiftChatModel siftChatModel(SiftEngine engine, ObjectProvider<ObservationRegistry> observationRegistry,
                                       ObjectProvider<ChatModelObservationConvention> observationConvention) {
        SiftChatModel model = new SiftChatModel(engine, observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP));
        observationConvention.ifAvailable(model::setObservationConvention);
        return model;
    }
}
