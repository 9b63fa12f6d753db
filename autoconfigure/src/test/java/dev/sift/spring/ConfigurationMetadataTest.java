package dev.sift.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The IDE metadata the configuration processor generates: every sift.* property is described. */
class ConfigurationMetadataTest {

    @Test
    void everyPropertyHasADescription() throws IOException {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated metadata").isNotNull();
            metadata = new ObjectMapper().readTree(in);
        }
        List<String> names = new ArrayList<>();
        for (JsonNode property : metadata.get("properties")) {
            String name = property.get("name").asText();
            names.add(name);
            assertThat(property.path("description").asText()).as("description of %s", name).isNotBlank();
        }
        assertThat(names).contains("sift.backend", "sift.model.path", "sift.model.uri", "sift.model.context-length",
                "sift.model.threads", "sift.model.load", "sift.model.cache-dir", "sift.compression.method",
                "sift.compression.budget", "sift.compression.window", "sift.compression.sinks", "sift.compression.profile",
                "sift.compression.sentence.store-factor", "sift.compression.sentence.reselect-interval",
                "sift.compression.sentence.scoring", "sift.chat.temperature",
                "sift.chat.top-p", "sift.chat.top-k", "sift.chat.max-tokens", "sift.chat.stop", "sift.chat.seed",
                "sift.chat.repeat-penalty", "sift.max-concurrent-sessions", "sift.max-queued-requests");
    }
}
