package dev.sift.spring.actuate;

import dev.sift.spring.SiftEngine;
import dev.sift.spring.SiftEngineAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Health indicator and Micrometer meters for the local model, each when its library is present. */
@AutoConfiguration(after = SiftEngineAutoConfiguration.class)
@ConditionalOnBean(SiftEngine.class)
public class SiftActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "siftHealthIndicator")
        SiftHealthIndicator siftHealthIndicator(SiftEngine engine) {
            return new SiftHealthIndicator(engine);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean
        SiftMetrics siftMetrics(SiftEngine engine) {
            return new SiftMetrics(engine);
        }
    }
}
