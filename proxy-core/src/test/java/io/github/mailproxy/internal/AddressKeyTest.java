package io.github.mailproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class AddressKeyTest {

    @Test
    void anIpv6AddressCountsAsItsSlash64AndIpv4AsItself() throws UnknownHostException {
        assertThat(AddressKey.of(InetAddress.getByName("2001:db8:a:b:1:2:3:4")))
                .isEqualTo(InetAddress.getByName("2001:db8:a:b::"));
        assertThat(AddressKey.of(InetAddress.getByName("2001:db8:a:b:1:2:3:4")))
                .isEqualTo(AddressKey.of(InetAddress.getByName("2001:db8:a:b:ffff::1")))
                .isNotEqualTo(AddressKey.of(InetAddress.getByName("2001:db8:a:c::1")));
        assertThat(AddressKey.of(InetAddress.getByName("192.0.2.7"))).isEqualTo(InetAddress.getByName("192.0.2.7"));
        assertThat(AddressKey.of(InetAddress.getByName("::ffff:192.0.2.7"))).isEqualTo(InetAddress.getByName("192.0.2.7"));
        assertThat(AddressKey.of(null)).isNull();
    }
}
