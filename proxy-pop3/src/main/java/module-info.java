/**
 * POP3 for mailproxy: {@link io.github.mailproxy.pop3.Pop3Protocol} makes POP3 listeners.
 */
// The name follows the package; javac's lint would rather module names did not end in a digit.
@SuppressWarnings("module")
module io.github.mailproxy.pop3 {
    exports io.github.mailproxy.pop3;

    requires transitive io.github.mailproxy.core;
    requires org.slf4j;
}
