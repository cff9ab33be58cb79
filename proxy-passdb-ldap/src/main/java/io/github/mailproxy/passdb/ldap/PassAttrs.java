package io.github.mailproxy.passdb.ldap;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import io.github.mailproxy.AuthRequest;
import io.github.mailproxy.Logfmt;
import io.github.mailproxy.PassDb.CacheKeyPart;
import io.github.mailproxy.PassDbResult;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dovecot's {@code pass_attrs}: which LDAP attributes become which PassDb fields. A comma-separated
 * list whose entries are, as Dovecot reads them:
 * <ul>
 *   <li>{@code mailHost=host}: field {@code host} gets the attribute's value (the first one, with a
 *       warning when there are more); no attribute, no field;</li>
 *   <li>{@code mailHost}: field {@code mailHost} gets it;</li>
 *   <li>{@code =proxy=y}, {@code =host=%{ldap:mailHost}}: the field gets the template, always;</li>
 *   <li>{@code =proxy}: the field is present without value (true);</li>
 *   <li>{@code mailHost=host=imap.%$}: the template, when the entry has the attribute ({@code %$} is its
 *       value; a template without any {@code %} has {@code %$} appended, as in Dovecot).</li>
 * </ul>
 * {@code password_noscheme} is {@code password} with the default scheme put before it whatever it
 * starts with. Subqueries ({@code @name=...}) are refused.
 */
final class PassAttrs {

    private static final Logger LOG = LoggerFactory.getLogger(PassAttrs.class);
    private static final String PASSWORD_NOSCHEME = "password_noscheme";

    /**
     * One entry of the list.
     *
     * @param attribute the LDAP attribute it reads, or empty for none
     * @param name      the PassDb field it sets
     * @param template  the value's template, or {@code null} for the attribute's value as it is
     */
    private record Field(String attribute, String name, LdapTemplate template) {
    }

    private final List<Field> fields;

    private PassAttrs(List<Field> fields) {
        this.fields = List.copyOf(fields);
    }

    /**
     * @param setting  the setting's name, for errors
     * @param value    the list
     * @param authBind whether the password is checked by binding: then a {@code password} field is
     *                 dropped, as Dovecot drops it
     * @return it parsed
     * @throws IllegalArgumentException naming the setting and the entry at fault
     */
    static PassAttrs parse(String setting, String value, boolean authBind) {
        List<Field> fields = new ArrayList<>();
        int number = 0;
        for (String raw : value.split(",")) {
            String item = raw.strip();
            if (item.isEmpty()) {
                continue;
            }
            number++;
            String where = setting + " entry " + number;
            if (item.startsWith("@")) {
                throw new IllegalArgumentException(where + ": subqueries (@...) are not supported");
            }
            int eq = item.indexOf('=');
            String attribute = eq < 0 ? item : item.substring(0, eq).strip();
            String name = eq < 0 ? item : item.substring(eq + 1).strip();
            String template = null;
            int templateAt = name.indexOf('=');
            if (templateAt >= 0) {
                template = name.substring(templateAt + 1);
                name = name.substring(0, templateAt).strip();
                if (template.indexOf('%') < 0) {
                    template += "%$";
                }
            } else if (attribute.isEmpty()) {
                template = "";
            }
            if (name.isEmpty()) {
                throw new IllegalArgumentException(where + ": names no field");
            }
            if (name.startsWith("!") && name.equals(attribute)) {
                continue;  // Dovecot's "!attr": fetched, never a field; nothing to do here
            }
            if (name.startsWith("@") || name.indexOf('%') >= 0) {
                throw new IllegalArgumentException(where + ": field " + name + " is not supported (subquery or"
                        + " variable in a field name)");
            }
            if (!attribute.isEmpty() && !attribute.matches("[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*")) {
                throw new IllegalArgumentException(where + ": not an LDAP attribute name: '" + attribute + "'");
            }
            if (authBind && (name.equalsIgnoreCase(PassDbResult.PASSWORD)
                    || name.equalsIgnoreCase(PASSWORD_NOSCHEME))) {
                continue;
            }
            fields.add(new Field(attribute, name, template == null ? null : LdapTemplate.field(where, template)));
        }
        return new PassAttrs(fields);
    }

    /** @return the attributes to ask the server for */
    String[] attributes() {
        Set<String> names = new LinkedHashSet<>();
        for (Field f : fields) {
            if (!f.attribute().isEmpty()) {
                names.add(f.attribute());
            }
            if (f.template() != null) {
                names.addAll(f.template().attributes());
            }
        }
        // "1.1" asks for no attributes at all (RFC 4511 4.5.1.8), where an empty list would ask for all.
        return names.isEmpty() ? new String[] {"1.1"} : names.toArray(String[]::new);
    }

    /**
     * @param into where to add the parts of a login that the templates' values depend on
     */
    void addCacheKey(EnumSet<CacheKeyPart> into) {
        for (Field f : fields) {
            if (f.template() != null) {
                f.template().addCacheKey(into);
            }
        }
    }

    /**
     * @param request       the login
     * @param entry         the entry found, or {@code null} when none was searched for: then only the
     *                      entries that read no attribute apply
     * @param defaultScheme put as {@code {SCHEME}} before a {@code password} that names none
     * @return the PassDb fields
     */
    Map<String, String> fields(AuthRequest request, Entry entry, String defaultScheme) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Field f : fields) {
            if (entry == null && (!f.attribute().isEmpty() || (f.template() != null && f.template().readsEntry()))) {
                continue;
            }
            String own = null;
            if (!f.attribute().isEmpty()) {
                Attribute attribute = entry.getAttribute(f.attribute());
                if (attribute == null || attribute.size() == 0) {
                    continue;
                }
                own = attribute.getValue();
                if (attribute.size() > 1) {
                    LOG.warn("session={} msg=\"more than one value of an LDAP attribute; the first is used\""
                            + " attribute={} field={}", request.sessionId(), Logfmt.value(f.attribute()),
                            Logfmt.value(f.name()));
                }
            }
            String value = f.template() == null ? own : f.template().expand(request, entry, own);
            put(out, f.name(), value, defaultScheme);
        }
        return out;
    }

    private static void put(Map<String, String> out, String name, String value, String defaultScheme) {
        if (name.equalsIgnoreCase(PASSWORD_NOSCHEME)) {
            out.put(PassDbResult.PASSWORD, defaultScheme == null ? value : "{" + defaultScheme + "}" + value);
        } else if (name.equalsIgnoreCase(PassDbResult.PASSWORD) && defaultScheme != null && !value.isEmpty()
                && !value.startsWith("{")) {
            out.put(PassDbResult.PASSWORD, "{" + defaultScheme + "}" + value);
        } else {
            out.put(name, value);
        }
    }
}
