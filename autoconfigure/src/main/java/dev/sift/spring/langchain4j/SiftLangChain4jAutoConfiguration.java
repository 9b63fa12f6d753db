package dev.sift.spring.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.sift.spring.SiftEngine;
import dev.sift.spring.SiftEngineAutoConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import java.util.concurrent.Executors;

/**
 * LangChain4j chat models backed by the Sift engine, when LangChain4j is on the classpath. Every
 * {@link ChatModelListener} bean is attached to both.
 */
@AutoConfiguration(after = SiftEngineAutoConfiguration.class)
@ConditionalOnClass(ChatModel.class)
@ConditionalOnBean(SiftEngine.class)
public class SiftLangChain4jAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public SiftLangChain4jChatModel siftLangChain4jChatModel(SiftEngine engine, ObjectProvider<ChatModelListener> listeners) {
        return new SiftLangChain4jChatModel(engine, listeners.orderedStream().toList());
    }

    @Bean
    @ConditionalOnMissingBean
    public SiftLangChain4jStreamingChatModel siftLangChain4jStreamingChatModel(SiftEngine engine,
                                                                               ObjectProvider<ChatModelListener> listeners) {
        // Generation is CPU-bound and holds no locks while waiting, so a virtual thread per reply is enough.
        return new SiftLangChain4jStreamingChatModel(engine, listeners.orderedStream().toList(),
                Executors.newVirtualThreadPerTaskExecutor());
    }
}
