package io.github.mailproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * proxy-core is a module that exports its API and SPI packages and nothing else: code in another module
 * that reaches for the engine does not compile.
 */
class SealedApiTest {

    private static final String MODULE = "io.github.mailproxy.core";

    @TempDir
    Path dir;

    private static Path location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void onlyTheApiAndSpiPackagesAreExported() {
        ModuleDescriptor core = ModuleFinder.of(location(ProxyServer.class)).find(MODULE).orElseThrow().descriptor();

        assertThat(core.exports()).allSatisfy(e -> assertThat(e.isQualified()).as(e.toString()).isFalse());
        assertThat(core.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
                .isEqualTo(Set.of("io.github.mailproxy", "io.github.mailproxy.spi"));
        assertThat(core.packages()).contains("io.github.mailproxy.internal", "io.github.mailproxy.internal.scheme");
        assertThat(core.opens()).isEmpty();
    }

    @Test
    void anotherModuleCompilesAgainstTheApiButNotAgainstTheEngine() throws IOException {
        String api = "package consumer;\n"
                + "public class Api {\n"
                + "    public static Object route(io.github.mailproxy.AuthRequest r, io.github.mailproxy.PassDbResult p) {\n"
                + "        return io.github.mailproxy.DovecotRouting.refusal(r, p);\n"
                + "    }\n"
                + "}\n";
        assertThat(compile("Api", api)).isEmpty();

        String engine = "package consumer;\n"
                + "public class Engine {\n"
                + "    public static String escape(String s) {\n"
                + "        return io.github.mailproxy.internal.Text.logValue(s);\n"
                + "    }\n"
                + "}\n";
        assertThat(compile("Engine", engine))
                .contains("package io.github.mailproxy.internal is not visible")
                .contains("does not export it");
    }

    /** @return javac's diagnostics; empty when the class compiled */
    private String compile(String className, String source) throws IOException {
        Path src = Files.createDirectories(dir.resolve(className).resolve("src"));
        Files.writeString(src.resolve("module-info.java"), "module consumer { requires " + MODULE + "; }\n");
        Files.createDirectories(src.resolve("consumer"));
        Files.writeString(src.resolve("consumer").resolve(className + ".java"), source);
        String modulePath = List.of(location(ProxyServer.class), location(org.slf4j.Logger.class),
                        location(com.github.benmanes.caffeine.cache.Caffeine.class)).stream()
                .map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        boolean ok = javac.getTask(diagnostics, null, null,
                // an empty class path: javac would otherwise take this JVM's, whose test classes share the package names
                List.of("--release", "17", "--module-path", modulePath, "--class-path", dir.toString(), "-d", dir.resolve(className).resolve("out").toString(),
                        "-proc:none"),
                null, javac.getStandardFileManager(null, null, null).getJavaFileObjects(
                        src.resolve("module-info.java"), src.resolve("consumer").resolve(className + ".java"))).call();
        return ok ? "" : diagnostics.toString().isEmpty() ? "failed without diagnostics" : diagnostics.toString();
    }
}
