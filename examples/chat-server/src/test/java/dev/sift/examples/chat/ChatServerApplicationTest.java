package dev.sift.examples.chat;

import dev.sift.engine.SharedModels;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sift.chat.temperature=0", "sift.chat.max-tokens=16", "sift.model.threads=2"})
class ChatServerApplicationTest {

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("sift.model.path", () -> SharedModels.model("stories260K.gguf").toString());
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = new JsonMapper();

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/chat"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void postChatAnswersWithStats() throws Exception {
        HttpResponse<String> response = post("{\"message\": \"Once upon a time\", \"compressionMethod\": \"snapkv\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"reply\":").contains("\"completionTokens\":16")
                .contains("\"compression-method\":\"snapkv\"").contains("\"kv-bytes\":");
    }

    @Test
    void streamSendsTokensThenStats() throws Exception {
        HttpResponse<String> response = get("/chat/stream?message=" + URLEncoder.encode("Once upon a time", StandardCharsets.UTF_8));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        String body = response.body();
        assertThat(body).contains("event:token");
        assertThat(body.indexOf("event:stats")).isGreaterThan(body.lastIndexOf("event:token"));
        assertThat(body).contains("\"completionTokens\":16");

        // The pieces, spaces included, make up the reply that POST /chat gives the same message (greedy).
        StringBuilder streamed = new StringBuilder();
        Matcher token = Pattern.compile("event:token\ndata:(.*)\n").matcher(body);
        while (token.find()) {
            streamed.append(json.readTree(token.group(1)).get("text").asText());
        }
        String reply = json.readTree(post("{\"message\": \"Once upon a time\"}").body()).get("reply").asText();
        assertThat(streamed.toString().strip()).isEqualTo(reply).contains(" ");
    }

    @Test
    void aConversationReusesItsCacheOnTheNextTurn() throws Exception {
        String first = "/chat/stream?conversationId=c1&message=" + URLEncoder.encode("Once upon a time", StandardCharsets.UTF_8);
        get(first);
        String second = get("/chat/stream?conversationId=c1&message=" + URLEncoder.encode("The end", StandardCharsets.UTF_8)).body();
        // The second prompt holds the first exchange, whose cache is reused: dozens of tokens, not just "<s>[INST]".
        assertThat(second).containsPattern("\"prompt-tokens-reused\":[1-9][0-9]");
    }

    @Test
    void aMessageLongerThanTheContextIsABadRequestNamingBothLengths() throws Exception {
        String message = "Once upon a time ".repeat(200);
        HttpResponse<String> response = post("{\"message\": \"" + message + "\"}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json.readTree(response.body()).get("detail").asText())
                .matches("the prompt needs [0-9]+ tokens but the context holds 512 .*");

        String streamed = get("/chat/stream?message=" + URLEncoder.encode(message, StandardCharsets.UTF_8)).body();
        assertThat(streamed).doesNotContain("event:token").contains("event:problem")
                .containsPattern("the prompt needs [0-9]+ tokens but the context holds 512");
    }

    @Test
    void anUnknownCompressionMethodIsABadRequestNamingIt() throws Exception {
        HttpResponse<String> response = post("{\"message\": \"Hi\", \"compressionMethod\": \"zip\"}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json.readTree(response.body()).get("detail").asText())
                .isEqualTo("compression method 'zip' is not one of: none, streaming, snapkv, pyramidkv, sentence, srh, srh-uniform, srh-kvhead");
    }

    @Test
    void servesTheChatPage() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Sift chat</title>").contains("/chat/stream");
    }
}
