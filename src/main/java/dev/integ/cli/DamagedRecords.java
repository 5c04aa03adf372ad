package dev.integ.cli;

import dev.integ.vault.CredentialVault;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How every command names a record that does not verify: in the words `list` uses, so one grep finds
 * them in the output of any command, with what the command did about it.
 */
final class DamagedRecords {
    /** What to do about damaged records, once they are named. */
    static final String HINT = "restore them from a backup or connect the accounts again; 'integ list' names them too";

    private DamagedRecords() {
    }

    /** "integrity failure: credential P/U (KEY): REASON", then "; CONSEQUENCE" when given. */
    static String line(CredentialVault.Damaged d, String consequence) {
        return "integrity failure: credential " + d.name() + " (" + d.key() + "): " + d.reason()
                + (consequence == null ? "" : "; " + consequence);
    }

    static Map<String, Object> json(CredentialVault.Damaged d) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("provider", d.provider());
        doc.put("user", d.user());
        doc.put("key", d.key());
        doc.put("reason", d.reason());
        return doc;
    }

    /** "1 damaged record" / "3 damaged records". */
    static String count(long n) {
        return n + " damaged record" + (n == 1 ? "" : "s");
    }
}
