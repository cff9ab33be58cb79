package io.github.mailproxy.bench;

import io.github.mailproxy.spi.Sasl;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** SASL PLAIN (RFC 4616) decoding of a typical initial response, with and without authorization id. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SaslPlainBench {

    private final String plain = Sasl.encodePlain(null, "alice@example.org", "correct horse battery");
    private final String withAuthzid = Sasl.encodePlain("bob@example.org", "alice@example.org", "correct horse");

    /** @return the credentials */
    @Benchmark
    public Optional<Sasl.PlainCredentials> decode() {
        return Sasl.decodePlain(plain);
    }

    /** @return the credentials */
    @Benchmark
    public Optional<Sasl.PlainCredentials> decodeWithAuthorizationId() {
        return Sasl.decodePlain(withAuthzid);
    }
}
