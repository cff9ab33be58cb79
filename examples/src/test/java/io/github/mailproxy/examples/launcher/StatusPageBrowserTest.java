package io.github.mailproxy.examples.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mailproxy.testing.LineClient;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page in a real browser: Debian's headless Chromium driven by Debian's ChromeDriver
 * (Selenium Manager never runs: both paths are given). The page asks for the token, shows the IMAP
 * sessions the test opened grouped by backend, and its kick button ends a session, which the IMAP
 * client sees as {@code * BYE} and end of stream. Leaves a screenshot in
 * {@code target/status-page.png} (the README's {@code docs/status-page.png} is a copy).
 */
class StatusPageBrowserTest {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** A user name with markup in it: the page must show it as text. */
    private static final String MARKUP_USER = "<b>eve</b>";

    @TempDir
    Path profile;

    private AdminFixture fixture;
    private WebDriver browser;

    @BeforeEach
    void start() throws IOException {
        fixture = new AdminFixture("dora", "emil");
        fixture.backend.setUser("eve@example.org", MARKUP_USER, "eve-secret-pw");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1100,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            fixture.close();
        }
    }

    @Test
    void pageShowsTheSessionsAndItsKickButtonEndsOne() throws Exception {
        try (LineClient dora = fixture.imapLogin("dora"); LineClient emil = fixture.imapLogin("emil");
             LineClient eve = LineClient.connect(null, new java.net.InetSocketAddress("127.0.0.1",
                     fixture.proxy.server().port("imap")))) {
            eve.line();
            assertThat(AdminFixture.login(eve, "\"" + MARKUP_USER + "\"", "eve-secret-pw")).startsWith("a OK");
            LineClient failed = LineClient.connect(null, new java.net.InetSocketAddress("127.0.0.1",
                    fixture.proxy.server().port("imap")));
            try (failed) {
                failed.line();
                assertThat(AdminFixture.login(failed, "emil", "wrong")).startsWith("a NO");
            }

            WebDriverWait wait = new WebDriverWait(browser, WAIT);
            browser.get(fixture.base().toString());
            // no token in this tab yet: the page asks for it
            WebElement token = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
            token.sendKeys(fixture.token);
            browser.findElement(By.id("token-submit")).click();

            wait.until(d -> userCells(d).containsAll(List.of("dora", "emil", MARKUP_USER)));
            assertThat(browser.findElements(By.cssSelector("h2.backend")))
                    .extracting(WebElement::getText).containsExactly("127.0.0.1 (3)");
            // markup in a user name is text, never elements
            assertThat(browser.findElements(By.cssSelector("#sessions b"))).isEmpty();
            wait.until(ExpectedConditions.textToBe(By.id("logins-minute"), "4"));
            assertThat(browser.findElement(By.id("failures-minute")).getText()).isEqualTo("1");
            assertThat(browser.findElements(By.cssSelector("#chart rect"))).isNotEmpty();
            screenshot();

            // the page redraws its table when sessions change: find the button anew if it was replaced
            wait.ignoring(StaleElementReferenceException.class).until(d -> {
                d.findElement(By.cssSelector("button.kick[data-user='dora']")).click();
                return true;
            });
            AdminListenerTest.assertKicked(dora);
            wait.until(ExpectedConditions.textToBe(By.id("status"), "Kicked 1 session(s) of dora."));
            wait.until(d -> !userCells(d).contains("dora") && userCells(d).contains("emil"));
            emil.send("b NOOP\r\n");
            assertThat(emil.line()).startsWith("b OK");
        }
    }

    private static List<String> userCells(WebDriver driver) {
        return driver.findElements(By.cssSelector("tr.session td.user")).stream().map(WebElement::getText).toList();
    }

    private void screenshot() throws IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "status-page.png");
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
}
