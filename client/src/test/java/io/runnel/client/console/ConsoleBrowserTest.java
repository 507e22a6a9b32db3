package io.runnel.client.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.GroupDescription;
import io.runnel.client.admin.PartitionLag;
import io.runnel.client.admin.ResetSpec;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.GroupConfig;
import io.runnel.client.consumer.RebalanceListener;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.record.Header;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web console (docs/console.md) driven by the system's headless Chromium through its
 * chromedriver against a real 3-node cluster: node 1's console shows the three ready nodes, creates
 * a topic through its confirmation, shows the topic's ISR, browses a produced record (escaped, as
 * JSON), shows a group's lag as the admin API computes it, and shows a halted node as fenced with
 * under-replicated partitions. Each page is saved as a screenshot, to {@code target/console-screenshots}
 * or to the directory {@code -Dconsole.screenshots=...} names ({@code ../docs/console} refreshes the docs').
 *
 * <p>Skipped, naming the missing binary, where /usr/bin/chromium or /usr/bin/chromedriver is absent.
 */
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static TestCluster cluster;
    private static ChromeDriver browser;
    private static RunnelAdmin admin;
    private static String console;
    private static Path screenshots;

    @BeforeAll
    static void start(@TempDir Path tmp) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is missing: apt-get install chromium");
        Assumptions.assumeTrue(Files.isExecutable(CHROMEDRIVER), CHROMEDRIVER + " is missing: apt-get install chromium-driver");
        screenshots = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"));
        Files.createDirectories(screenshots);
        // The browser starts while the cluster does: each takes seconds on a busy machine.
        CompletableFuture<ChromeDriver> starting = CompletableFuture.supplyAsync(() -> startBrowser(tmp));
        try {
            cluster = TestCluster.start(tmp.resolve("cluster"), 3, Map.of("console.listener", "127.0.0.1:0",
                "offsets.topic.num.partitions", "1", "replica.lag.time.max.ms", "1000"));
        } catch (IOException | RuntimeException e) {
            starting.thenAccept(ChromeDriver::quit);
            throw e;
        }
        console = "http://127.0.0.1:" + cluster.node(1).consolePort();
        admin = new RunnelAdmin(cluster.bootstrap());
        browser = starting.join();
    }

    private static ChromeDriver startBrowser(Path tmp) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--window-size=1280,1000", "--user-data-dir=" + tmp.resolve("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort().withLogFile(tmp.resolve("chromedriver.log").toFile()).build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
        return driver;
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void consoleShowsTheClusterTopicsMessagesGroupsAndAFencedNode() throws IOException {
        // Overview: three ready nodes.
        open("/");
        await().until(() -> {
            browser.navigate().refresh();
            return text("ready-count").equals("3");
        });
        for (int id = 1; id <= 3; id++) {
            assertEquals("ready", text("node-" + id + "-state"));
        }
        screenshot("overview");

        // Create a topic through the form and its confirmation page.
        open("/topics");
        browser.findElement(By.name("name")).sendKeys("orders");
        WebElement partitions = browser.findElement(By.name("partitions"));
        partitions.clear();
        partitions.sendKeys("2");
        WebElement replication = browser.findElement(By.name("replication"));
        replication.clear();
        replication.sendKeys("3");
        browser.findElement(By.cssSelector("#create-topic button")).click();
        // The click returns before the form's page is replaced: wait for the confirmation page, reading
        // again an element that went stale with the page it came from.
        await().until(() -> browser.findElement(By.tagName("main")).getText().contains("Create topic orders with 2 partition(s)"));
        browser.findElement(By.id("confirm-button")).click();
        // The click returns before the POST's redirect is followed: wait for the topic's page.
        await().until(() -> browser.getCurrentUrl().endsWith("/topic?name=orders"));
        await().until(() -> {
            browser.navigate().refresh();
            List<WebElement> isrs = browser.findElements(By.className("isr"));
            return isrs.size() == 2 && isrs.stream().allMatch(e -> ids(e.getText()).equals(Set.of(1, 2, 3)));
        });
        open("/topics");
        WebElement listed = browser.findElement(By.cssSelector(".topic-isr[data-topic='orders']"));
        assertTrue(listed.getText().contains("ISR"), listed.getText());
        screenshot("topics");

        // Produce: a key with markup (shown as text, not rendered) and a JSON value with a header.
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(cluster.bootstrap()))) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord("orders", 0, null, ("<b>key-" + i + "</b>").getBytes(StandardCharsets.UTF_8),
                    ("{\"id\":" + i + ",\"note\":\"<script>x</script>\"}").getBytes(StandardCharsets.UTF_8),
                    List.of(new Header("trace", ("t" + i).getBytes(StandardCharsets.UTF_8)))));
            }
            producer.send(new ProducerRecord("orders", 1, null, null, "plain".getBytes(StandardCharsets.UTF_8), List.of()));
            producer.flush();
        }
        open("/topic?name=orders");
        screenshot("topic");

        open("/messages?topic=orders&partition=0&offset=0&format=json");
        List<WebElement> keys = browser.findElements(By.cssSelector("#records .key"));
        assertEquals(5, keys.size());
        // Not JSON, so shown as text with a note; its markup as characters, not as elements.
        assertEquals("(not JSON, shown as text) <b>key-0</b>", keys.get(0).getText());
        assertTrue(browser.findElements(By.cssSelector("#records .key b")).isEmpty(), "a key's markup was rendered");
        String value = browser.findElements(By.cssSelector("#records .value")).get(0).getText();
        assertTrue(value.contains("\"note\": \"<script>x</script>\""), value);
        assertEquals("trace: (not JSON, shown as text) t0", browser.findElement(By.cssSelector("#records .header")).getText().replaceAll("\\s+", " "));
        screenshot("messages");

        // Bad input gets an error page naming the problem.
        open("/messages?topic=orders&partition=0&offset=abc");
        assertEquals("parameter 'offset' must be a whole number, got 'abc'", text("error"));
        open("/topic?name=no-such-topic");
        assertEquals("topic 'no-such-topic' does not exist", text("error"));

        // A group's lag is what the admin API (runnel group describe) gives, with a live member
        // that owns both partitions and commits nothing while the page is checked.
        admin.resetOffsets("console-app", "orders", ResetSpec.toOffset(2), true);
        try (RunnelConsumer member = new RunnelConsumer(cluster.bootstrap(), RunnelConsumer.OffsetReset.EARLIEST, 1 << 20,
                GroupConfig.of("console-app").withSessionTimeoutMs(10_000).withAutoCommit(false, 1000))) {
            member.subscribe(List.of("orders"), RebalanceListener.NONE);
            await().until(() -> {
                member.poll(Duration.ofMillis(50));
                return member.assignment().size() == 2;
            });
            GroupDescription described = admin.describeGroup("console-app");
            open("/group?id=console-app");
            await().until(() -> {
                browser.navigate().refresh();
                return !browser.findElements(By.id("total-lag")).isEmpty()
                    && browser.findElement(By.tagName("main")).getText().contains("orders-0")
                    && browser.findElement(By.tagName("main")).getText().contains("orders-1");
            });
            assertEquals(2, described.partitions().size());
            for (PartitionLag lag : described.partitions()) {
                assertEquals(Long.toString(lag.lag()), text("lag-orders-" + lag.partition().partition()));
            }
            assertEquals(List.of(3L, 0L), described.partitions().stream().map(PartitionLag::lag).toList());
            screenshot("group");
        }
        open("/groups");
        assertTrue(browser.findElement(By.className("group-id")).getText().contains("console-app"));
        screenshot("groups");

        // The charts of the broker that leads orders-0 show the topic's traffic through it.
        int leader = admin.describeTopic("orders").getPartitionsList().stream().filter(p -> p.getPartition() == 0)
            .findFirst().orElseThrow().getLeaderId();
        browser.get("http://127.0.0.1:" + cluster.node(leader).consolePort() + "/charts");
        await().until(() -> !browser.findElements(By.cssSelector("#charts polyline")).isEmpty()
            && browser.findElement(By.id("charts")).getText().contains("Topic orders (bytes/s)"));
        screenshot("charts");

        // A halted node: fenced, and the topic's partitions under-replicated.
        cluster.halt(3);
        open("/");
        await().until(() -> {
            browser.navigate().refresh();
            return text("node-3-state").equals("FENCED") && Integer.parseInt(text("under-replicated-count")) >= 2;
        });
        assertEquals("2", text("ready-count"));
        String underReplicated = text("under-replicated");
        assertTrue(underReplicated.contains("orders"), underReplicated);
        assertFalse(text("node-1-state").equals("FENCED"));
        screenshot("overview-fenced");
    }

    /** Waits the test's bound, trying again when a read element went stale with its page or is not there yet. */
    private static ConditionFactory await() {
        return Awaitility.await().atMost(WAIT)
            .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
            .ignoreExceptionsInstanceOf(NoSuchElementException.class);
    }

    private static void open(String path) {
        browser.get(console + path);
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText().trim();
    }

    /** {@code [3, 1, 2]} as a set of ids. */
    private static Set<Integer> ids(String list) {
        Set<Integer> out = new TreeSet<>();
        for (String part : list.replaceAll("[\\[\\]]", "").split(",")) {
            if (!part.isBlank()) {
                out.add(Integer.parseInt(part.trim().split(" ")[0]));
            }
        }
        return out;
    }

    private static void screenshot(String name) throws IOException {
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), screenshots.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
