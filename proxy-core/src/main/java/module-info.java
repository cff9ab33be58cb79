/**
 * mailproxy's core: the API an embedding application uses ({@code io.github.mailproxy}) and the SPI a
 * protocol module implements ({@code io.github.mailproxy.spi}). The engine ({@code io.github.mailproxy.internal}
 * and below) is not exported: its public classes are public only for the API package of this module.
 *
 * <p>Bouncy Castle ({@code org.bouncycastle.provider}) and commons-codec ({@code org.apache.commons.codec})
 * are optional: only the password schemes that need them do ({@code BLF-CRYPT}, {@code ARGON2I},
 * {@code ARGON2ID}; {@code CRYPT}, {@code MD5-CRYPT}, {@code SHA256-CRYPT}, {@code SHA512-CRYPT}). Without
 * the jar, a stored password in such a scheme is a temporary failure, logged with the jar to add.
 */
module io.github.mailproxy.core {
    exports io.github.mailproxy;
    exports io.github.mailproxy.spi;

    requires org.slf4j;
    // internal only: no Caffeine type appears in the API (the builder takes mailproxy's Scheduler and Ticker)
    requires com.github.benmanes.caffeine;
    requires static org.bouncycastle.provider;
    requires static org.apache.commons.codec;
}
