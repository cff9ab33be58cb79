/** IMAP proxy: pre-login state machine, command parser, backend login client. */
package io.github.mailproxy.imap;
