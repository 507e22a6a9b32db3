package io.runnel.broker.node;

import io.runnel.security.TlsFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real certificates for TLS tests, made by the project's own {@code scripts/make-certs} (openssl):
 * a CA, node certificates {@code CN=runnel-node-<id>} valid for 127.0.0.1, and client certificates.
 * Shared with the client's tests through the test-jar.
 *
 * @param dir where the files are
 */
public record TestCertificates(Path dir) {
    /**
     * Runs make-certs into {@code dir} for nodes 1..{@code nodes} and the named clients, under a CA
     * named {@code caName} (two calls with different dirs make two unrelated CAs).
     */
    public static TestCertificates make(Path dir, String caName, int nodes, String... clients) throws IOException {
        List<String> args = new ArrayList<>(List.of("--nodes", Integer.toString(nodes), "--days", "2", "--ca-name", caName));
        for (String client : clients) {
            args.add("--client");
            args.add(client);
        }
        return makeWith(dir, args);
    }

    /** Runs make-certs into {@code dir} with {@code args} (its options, --out aside). */
    public static TestCertificates makeWith(Path dir, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", script().toString(), "--out", dir.toString()));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("scripts/make-certs failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted making certificates", e);
        }
        return new TestCertificates(dir);
    }

    public Path ca() {
        return dir.resolve("ca.pem");
    }

    /** Node {@code id}'s settings for a secured node ({@code tls.*}). */
    public Map<String, String> nodeSettings(int id) {
        return Map.of("tls.enabled", "true", "tls.ca.file", ca().toString(),
            "tls.cert.file", dir.resolve("node-" + id + ".pem").toString(),
            "tls.key.file", dir.resolve("node-" + id + "-key.pem").toString());
    }

    /** Node {@code id}'s files, to connect as that node. */
    public TlsFiles node(int id) {
        return new TlsFiles(ca(), dir.resolve("node-" + id + ".pem"), dir.resolve("node-" + id + "-key.pem"));
    }

    /** Client {@code name}'s files (CN=name). */
    public TlsFiles client(String name) {
        return new TlsFiles(ca(), dir.resolve("client-" + name + ".pem"), dir.resolve("client-" + name + "-key.pem"));
    }

    /** scripts/make-certs, found from the module's directory up. */
    private static Path script() throws IOException {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("scripts/make-certs");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IOException("scripts/make-certs not found above " + Path.of("").toAbsolutePath());
    }
}
