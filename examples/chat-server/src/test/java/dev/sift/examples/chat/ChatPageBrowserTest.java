package dev.sift.examples.chat;

import dev.sift.engine.SharedModels;
import dev.sift.spring.springai.SiftChatOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Drives the chat page in headless Chromium: a message typed into the page streams back, piece by
 * piece, the same reply the model gives the same request directly (greedy), and the KV statistics
 * of the reply render below it. A screenshot of the page is saved as
 * {@code target/screenshots/chat-page.png}.
 *
 * <p>Needs {@code chromium} and {@code chromedriver} on the {@code PATH} (Debian's {@code chromium}
 * and {@code chromium-driver} packages, which {@code .ci/run} installs); skipped without them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sift.chat.temperature=0", "sift.chat.max-tokens=48", "sift.model.threads=2",
                // Selenium warns that it has no DevTools binding for this Chromium; the test needs none.
                "logging.level.org.openqa.selenium=error"})
class ChatPageBrowserTest {

    private static final String MESSAGE = "Once upon a time, there was a little girl named Lily. She loved to play"
            + " outside in the sun with her dog Max. One day, they found a big red ball in the park.";

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("sift.model.path", () -> SharedModels.model("stories260K.gguf").toString());
    }

    private static Path chromium;
    private static Path chromedriver;

    @BeforeAll
    static void findBrowser() {
        chromium = onPath("chromium").orElse(null);
        chromedriver = onPath("chromedriver").orElse(null);
        assumeTrue(chromium != null && chromedriver != null,
                "chromium and chromedriver must be on the PATH (Debian: apt-get install chromium chromium-driver)");
    }

    @LocalServerPort
    int port;

    @Autowired
    ChatModel chatModel;

    @TempDir
    Path profile;

    private WebDriver browser;

    @BeforeEach
    void startBrowser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        // Without the background-networking switches Chromium keeps calling home, which fails (and
        // slows every page) where the network is closed, as in CI.
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=900,720");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aMessageStreamsBackItsReplyAndTheKvStatistics() throws IOException {
        browser.get("http://localhost:" + port + "/");
        // Records the reply's length at every change of the page, to see it grow piece by piece.
        ((JavascriptExecutor) browser).executeScript("""
                window.replyLengths = [];
                new MutationObserver(() => {
                  const reply = document.querySelector('.assistant');
                  if (reply) window.replyLengths.push(reply.textContent.length);
                }).observe(document.getElementById('log'), {childList: true, subtree: true, characterData: true});
                """);
        browser.findElement(By.name("message")).sendKeys(MESSAGE);
        new Select(browser.findElement(By.name("compressionMethod"))).selectByVisibleText("snapkv");
        browser.findElement(By.name("compressionBudget")).sendKeys("40");
        browser.findElement(By.tagName("button")).click();

        WebDriverWait wait = new WebDriverWait(browser, Duration.ofMinutes(1));
        wait.until(page -> !page.findElement(By.id("stat-method")).getText().equals("–"));

        String expected = chatModel.call(new Prompt(new UserMessage(MESSAGE),
                SiftChatOptions.builder().compressionMethod("snapkv").compressionBudget("40").build())).getResult().getOutput().getText();
        assertThat(expected).isNotBlank();
        assertThat(browser.findElement(By.cssSelector(".assistant")).getText()).isEqualTo(expected);
        @SuppressWarnings("unchecked")
        List<Long> lengths = (List<Long>) ((JavascriptExecutor) browser).executeScript("return window.replyLengths;");
        assertThat(lengths.stream().filter(length -> length > 0).distinct().count())
                .as("distinct lengths of the reply as it streamed in: %s", lengths).isGreaterThan(2);

        assertThat(text("stat-method")).isEqualTo("snapkv");
        assertThat(text("stat-budget")).isEqualTo("40");
        assertThat(text("stat-kv-bytes")).matches("[0-9.,]+ kB");
        assertThat(text("stat-kept")).matches("[0-9]+%").isNotEqualTo("100%");
        assertThat(text("stat-speed")).matches("[0-9]+\\.[0-9]");
        assertThat(text("stat-reused")).isEqualTo("0 tokens");

        Path screenshot = Path.of("target", "screenshots", "chat-page.png");
        Files.createDirectories(screenshot.getParent());
        Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), screenshot,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
