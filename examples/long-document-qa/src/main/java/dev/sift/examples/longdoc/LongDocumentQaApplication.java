package dev.sift.examples.longdoc;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * Asks questions about a long document with each KV-cache compression method and budget, through
 * Spring AI's {@code ChatClient}, and prints what each cost.
 */
@SpringBootApplication
@EnableConfigurationProperties(LongDocProperties.class)
public class LongDocumentQaApplication {

    public static void main(String[] args) {
        SpringApplication.run(LongDocumentQaApplication.class, args);
    }
}
