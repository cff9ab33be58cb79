/** POP3 proxy: pre-login state machine and backend login client. */
package io.github.mailproxy.pop3;
