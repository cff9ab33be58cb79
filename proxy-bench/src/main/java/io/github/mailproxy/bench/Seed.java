package io.github.mailproxy.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test users and their maildirs: small mailboxes for the login workloads, one 10 MiB message for the relay. */
final class Seed {

    static final String PASSWORD = "benchpass";
    static final String BIG_USER = "big";
    static final int BIG_BYTES = 10 * 1024 * 1024;
    private static final int SMALL_MESSAGES = 10;

    private Seed() {
    }

    /**
     * Writes a passwd-file and the maildirs, owned by {@code uid}.
     *
     * @return the user names of the small mailboxes
     */
    static List<String> write(Path users, Path mail, int userCount, int uid) throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        StringBuilder passwd = new StringBuilder();
        for (int i = 1; i <= userCount; i++) {
            names.add("u" + i);
        }
        for (String user : names) {
            passwd.append(user).append(":{PLAIN}").append(PASSWORD).append("::::::\n");
            Path cur = maildir(mail, user);
            for (int m = 0; m < SMALL_MESSAGES; m++) {
                String body = "small message " + m + " for " + user + "\n" + "x".repeat(1500) + "\n";
                writeMessage(cur, m, header(user, "message " + m) + body);
            }
        }
        passwd.append(BIG_USER).append(":{PLAIN}").append(PASSWORD).append("::::::\n");
        Files.writeString(users, passwd);
        writeBig(maildir(mail, BIG_USER));
        Process chown = new ProcessBuilder("chown", "-R", uid + ":" + uid, mail.toString()).inheritIO().start();
        if (chown.waitFor() != 0) {
            throw new IOException("chown failed on " + mail);
        }
        return names;
    }

    private static Path maildir(Path mail, String user) throws IOException {
        Path maildir = mail.resolve(user).resolve("Maildir");
        Files.createDirectories(maildir.resolve("new"));
        Files.createDirectories(maildir.resolve("tmp"));
        return Files.createDirectories(maildir.resolve("cur"));
    }

    private static String header(String user, String subject) {
        return "From: sender@example.org\nTo: " + user + "@example.org\nSubject: " + subject
                + "\nDate: Thu, 01 Jan 2026 00:00:00 +0000\nMessage-ID: <" + user + "." + subject.hashCode()
                + "@example.org>\n\n";
    }

    private static void writeMessage(Path cur, int n, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        Files.write(cur.resolve("1700000000.M" + n + "P1.bench,S=" + bytes.length + ":2,S"), bytes);
    }

    private static void writeBig(Path cur) throws IOException {
        Random random = new Random(8);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        Path tmp = cur.resolve("big.tmp");
        long size;
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII)) {
            String header = header(BIG_USER, "ten MiB");
            w.write(header);
            size = header.length();
            char[] line = new char[77];
            line[76] = '\n';
            while (size + line.length <= BIG_BYTES) {
                for (int i = 0; i < 76; i++) {
                    line[i] = alphabet.charAt(random.nextInt(64));
                }
                w.write(line);
                size += line.length;
            }
        }
        Files.move(tmp, cur.resolve("1700000000.M0P1.bench,S=" + size + ":2,S"));
    }
}
