package dev.sift.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The shared local model: one {@link SiftEngine} bean built from {@code sift.*}, closed on shutdown.
 */
@AutoConfiguration
@EnableConfigurationProperties(SiftProperties.class)
public class SiftEngineAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public SiftEngine siftEngine(SiftProperties properties) {
        return new SiftEngine(properties);
    }
}
