package io.github.mailproxy.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** proxy-core's test keystore ({@code mailproxy-test.p12}, password {@code changeit}) as a file. */
public final class TestKeystore {

    public static final String PASSWORD = "changeit";

    private TestKeystore() {
    }

    public static Path copyTo(Path dir) throws IOException {
        Path file = dir.resolve("mailproxy-test.p12");
        try (InputStream in = TestKeystore.class.getResourceAsStream("/mailproxy-test.p12")) {
            if (in == null) {
                throw new IllegalStateException("mailproxy-test.p12 is not on the class path (proxy-core test-jar)");
            }
            Files.copy(in, file);
        }
        return file;
    }
}
