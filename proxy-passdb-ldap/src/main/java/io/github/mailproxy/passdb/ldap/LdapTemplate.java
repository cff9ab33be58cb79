package io.github.mailproxy.passdb.ldap;

import com.unboundid.ldap.sdk.Entry;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.DovecotVariable;
import io.github.mailproxy.PassDb.CacheKeyPart;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A setting with Dovecot's {@code %} variables ({@link DovecotVariable}), parsed once. In a search base,
 * a filter or a DN template only the login's variables may appear, and each value is escaped
 * ({@link LdapEscape}). A {@code pass_attrs} template may also read the entry found:
 * {@code %{ldap:attr}} (its first value, or {@code %{ldap:attr:default}} when it has none),
 * {@code %{ldap_dn}} (the entry's DN) and {@code %$} (the value of the entry's attribute the template
 * belongs to); these values are not escaped, since they become PassDb fields, not LDAP syntax.
 */
final class LdapTemplate {

    /** A piece of a template. */
    private sealed interface Part {
    }

    private record Text(String text) implements Part {
    }

    private record Var(DovecotVariable.Reference reference) implements Part {
    }

    private record Attribute(String name, String fallback) implements Part {
    }

    private record EntryDn() implements Part {
    }

    private record OwnValue() implements Part {
    }

    private final List<Part> parts;

    private LdapTemplate(List<Part> parts) {
        this.parts = List.copyOf(parts);
    }

    /**
     * @param setting  the setting's name, for errors
     * @param template a base, filter or DN template
     * @return it parsed
     * @throws IllegalArgumentException naming the setting and the unknown variable
     */
    static LdapTemplate request(String setting, String template) {
        return parse(setting, template, false);
    }

    /**
     * @param setting  the setting's name, for errors
     * @param template a {@code pass_attrs} value template
     * @return it parsed
     * @throws IllegalArgumentException naming the setting and the unknown variable
     */
    static LdapTemplate field(String setting, String template) {
        return parse(setting, template, true);
    }

    private static LdapTemplate parse(String setting, String template, boolean entryVariables) {
        List<Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int pos = 0;
        while (pos < template.length()) {
            char c = template.charAt(pos);
            if (c != '%') {
                text.append(c);
                pos++;
                continue;
            }
            if (template.startsWith("%%", pos)) {
                text.append('%');
                pos += 2;
                continue;
            }
            Part part;
            if (entryVariables && template.startsWith("%$", pos)) {
                part = new OwnValue();
                pos += 2;
            } else if (entryVariables && template.startsWith("%{ldap", pos)) {
                int end = template.indexOf('}', pos);
                if (end < 0) {
                    throw new IllegalArgumentException(setting + ": the variable at offset " + pos
                            + " has no closing '}'");
                }
                part = entryVariable(setting, template.substring(pos + 2, end));
                pos = end + 1;
            } else {
                ParsePosition at = new ParsePosition(pos);
                try {
                    part = new Var(DovecotVariable.parse(template, at));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(setting + ": " + e.getMessage(), e);
                }
                pos = at.getIndex();
            }
            if (!text.isEmpty()) {
                parts.add(new Text(text.toString()));
                text.setLength(0);
            }
            parts.add(part);
        }
        if (!text.isEmpty()) {
            parts.add(new Text(text.toString()));
        }
        return new LdapTemplate(parts);
    }

    private static Part entryVariable(String setting, String body) {
        if (body.equals("ldap_dn")) {
            return new EntryDn();
        }
        if (body.startsWith("ldap:")) {
            String rest = body.substring("ldap:".length());
            int colon = rest.indexOf(':');
            String name = colon < 0 ? rest : rest.substring(0, colon);
            if (!name.matches("[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*")) {
                throw new IllegalArgumentException(setting + ": not an LDAP attribute name in %{" + body + "}");
            }
            return new Attribute(name, colon < 0 ? "" : rest.substring(colon + 1));
        }
        throw new IllegalArgumentException(setting + ": %{" + body + "} is not supported; %{ldap:attr},"
                + " %{ldap:attr:default}, %{ldap_dn} and %$ are (subqueries such as %{ldap_ptr:...} are not)");
    }

    /**
     * @param request a login
     * @param escape  what each variable's value goes through
     * @return the text, its variables replaced
     */
    String expand(AuthRequest request, UnaryOperator<String> escape) {
        return expand(request, escape, null, null);
    }

    /**
     * @param request  a login
     * @param entry    the entry found, or {@code null} when there was no search (then its attributes
     *                 take their defaults)
     * @param ownValue the value {@code %$} stands for, or {@code null} for none
     * @return the text, its variables replaced; nothing escaped
     */
    String expand(AuthRequest request, Entry entry, String ownValue) {
        return expand(request, UnaryOperator.identity(), entry, ownValue);
    }

    private String expand(AuthRequest request, UnaryOperator<String> escape, Entry entry, String ownValue) {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Text t) {
                out.append(t.text());
            } else if (part instanceof Var v) {
                out.append(escape.apply(v.reference().value(request)));
            } else if (part instanceof Attribute a) {
                String value = entry == null ? null : entry.getAttributeValue(a.name());
                out.append(value == null ? a.fallback() : value);
            } else if (part instanceof EntryDn) {
                out.append(entry == null ? "" : entry.getDN());
            } else if (ownValue != null) {
                out.append(ownValue);
            }
        }
        return out.toString();
    }

    /** @return whether the template holds any variable; a constant needs no expanding */
    boolean hasVariables() {
        return parts.stream().anyMatch(p -> !(p instanceof Text));
    }

    /** @return whether the template reads the entry found ({@code %{ldap:...}}, {@code %{ldap_dn}}) */
    boolean readsEntry() {
        return parts.stream().anyMatch(p -> p instanceof Attribute || p instanceof EntryDn);
    }

    /** @return the LDAP attributes {@code %{ldap:...}} reads, to ask the server for */
    Set<String> attributes() {
        Set<String> names = new LinkedHashSet<>();
        for (Part p : parts) {
            if (p instanceof Attribute a) {
                names.add(a.name());
            }
        }
        return names;
    }

    /**
     * @param into where to add the parts of a login that this template's value depends on
     */
    void addCacheKey(EnumSet<CacheKeyPart> into) {
        for (Part p : parts) {
            if (p instanceof Var v) {
                into.add(v.reference().variable().cacheKeyPart());
            }
        }
    }
}
