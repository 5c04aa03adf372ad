package dev.integ.vault;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.integ.core.IntegException;
import dev.integ.core.ProviderName;
import dev.integ.core.UserName;
import dev.integ.events.SecurityEvent;
import redis.clients.jedis.exceptions.JedisException;

import java.io.BufferedReader;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Migrates tokens from another tool: one JSON object per line. Every line is validated, and compared
 * with what is stored, before anything is written; error messages name the line and the field, never
 * a value (a value may be a token).
 *
 * <p>Idempotent: a line whose credential is already stored exactly as the line would store it is
 * "unchanged" (see {@link #differences}), so rerunning the same file after any failure finishes it.
 * Honest: a failure after writing began says how many credentials were written and unchanged and
 * where a rerun goes on, and the event log gets {@code import.start} before the first write and
 * {@code import.success} or {@code import.failure} with the counts after.
 */
public final class CredentialImport {
    private static final Set<String> FIELDS = Set.of("provider", "user", "access_token", "refresh_token", "expires_at", "expires_in",
            "refresh_expires_at", "refresh_expires_in", "scopes", "metadata", "secrets");
    /** Lines per pipelined round trip, for the reads that compare and for the writes. */
    static final int BATCH = 500;
    /** The longest line read: a credential's tokens and metadata fit many times over; a binary file or /dev/zero does not. */
    public static final int MAX_LINE_CHARS = 65_536;
    /**
     * The most one import reads (about 500,000 typical lines): every line is held until it is compared
     * with the store, so memory grows with the input; a larger migration is split into files.
     */
    public static final long MAX_INPUT_BYTES = 128L << 20;

    private final CredentialVault vault;
    private final UnaryOperator<String> canonicalProvider;
    private final Function<JedisException, IntegException> storeFailure;
    private final ObjectMapper json = JsonMapper.builder()
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    private volatile boolean stopRequested;
    private IntConsumer afterBatch = batch -> { };

    public record Problem(int line, String message) {
        @Override
        public String toString() {
            return "line " + line + ": " + message;
        }
    }

    /**
     * @param imported    credentials written: new ones and replacements
     * @param unchanged   lines whose credential was already stored exactly as the line gives it
     * @param rejected    true when invalid lines stopped the import: then nothing was written
     * @param interrupted set when a stop was asked for (Ctrl-C): the import stopped between two batches
     */
    public record Result(int imported, int replaced, int unchanged, int skipped, List<Problem> problems, boolean dryRun,
                         boolean rejected, Interrupted interrupted) {
    }

    /**
     * Where an import stopped when asked to, and what it had done.
     *
     * @param started whether writing had begun; if not, nothing was written or recorded
     */
    public record Interrupted(int resumeLine, int written, int unchanged, boolean started) {
        public String message() {
            return started ? "import interrupted before line " + resumeLine + ": " + counts(written, unchanged)
                    : "import interrupted before anything was written";
        }

        public String hint() {
            return started ? rerun(resumeLine) : "rerunning the same file is safe";
        }
    }

    /**
     * One valid line.
     *
     * @param relativeExpiry        the expiry was given as expires_in (seconds from the import), not as a time
     * @param relativeRefreshExpiry the same for the refresh token
     */
    private record Entry(int line, Credential credential, Secrets secrets, boolean relativeExpiry, boolean relativeRefreshExpiry) {
        CredentialStore.Name name() {
            return new CredentialStore.Name(credential.provider(), credential.user());
        }

        String display() {
            return credential.provider() + "/" + credential.user();
        }
    }

    /** A line to write, over {@code expectedRev} (0: nothing is stored). */
    private record Pending(Entry entry, long expectedRev) {
        boolean replacing() {
            return expectedRev != 0;
        }
    }

    /** What the comparison with the store found: the lines to write, and how many are stored already as they are. */
    private record Plan(List<Pending> pending, int unchanged) {
    }

    /**
     * @param canonicalProvider the name a provider's credentials are stored under ("google_drive" is "google"); throws an
     *                          IntegException for a provider the import must not accept (the line is then invalid)
     * @param storeFailure      explains a Redis failure in terms of the store in use
     */
    public CredentialImport(CredentialVault vault, UnaryOperator<String> canonicalProvider,
                            Function<JedisException, IntegException> storeFailure) {
        this.vault = vault;
        this.canonicalProvider = canonicalProvider;
        this.storeFailure = storeFailure;
    }

    /** Asks a running import to stop at the next safe point (between two batches); {@link #run} then says where it stopped. */
    public void requestStop() {
        stopRequested = true;
    }

    /** A seam for tests: called after each batch of writes is accounted for, with its number (1, 2, ...). */
    public CredentialImport afterEachBatch(IntConsumer seam) {
        this.afterBatch = seam;
        return this;
    }

    /**
     * @param replace      write every line again, also over credentials stored with other content (otherwise an error)
     *                     and over ones stored as the line gives them (otherwise unchanged)
     * @param skipInvalid  write the valid lines and report the others, instead of writing nothing
     * @throws IntegException when writing failed part-way (store unreachable, a concurrent writer): its message
     *                        says how many credentials were written and unchanged, and where a rerun goes on
     */
    public Result run(BufferedReader input, boolean replace, boolean skipInvalid, boolean dryRun) throws IOException {
        List<Problem> problems = new ArrayList<>();
        // to the millisecond, as records keep times: an expires_in then compares exactly on a rerun
        Instant now = vault.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        List<Entry> entries = parseAll(input, now, problems);
        Plan plan = stopRequested ? null : compareWithStore(entries, replace, problems);
        if (plan == null) {
            return new Result(0, 0, 0, 0, List.of(), false, false, new Interrupted(1, 0, 0, false));
        }
        problems.sort(Comparator.comparingInt(Problem::line));
        if (!problems.isEmpty() && !skipInvalid) {
            if (!dryRun) {
                // nothing was written, and the caller is told either way: the log being down must not hide the lines
                vault.events().recordQuietly(SecurityEvent.failure("import.failure", null, null,
                        Map.of("reason", "invalid_lines", "invalid_lines", Integer.toString(problems.size()))), notRecorded -> { });
            }
            return new Result(0, 0, 0, 0, problems, dryRun, true, null);
        }
        Set<Integer> bad = new HashSet<>();
        problems.forEach(p -> bad.add(p.line()));
        List<Pending> pending = plan.pending().stream().filter(p -> !bad.contains(p.entry().line())).toList();
        int replacing = (int) pending.stream().filter(Pending::replacing).count();
        if (dryRun) {
            return new Result(pending.size(), replacing, plan.unchanged(), problems.size(), problems, true, false, null);
        }
        Map<String, String> start = Map.of("to_write", Integer.toString(pending.size()), "replacing", Integer.toString(replacing),
                "unchanged", Integer.toString(plan.unchanged()), "skipped_lines", Integer.toString(problems.size()));
        // recorded before the first write, once the keys are loaded: an import the log cannot hear about does not happen
        Progress progress = new Progress(pending, plan.unchanged(),
                () -> vault.events().record(SecurityEvent.success("import.start", null, null, start)));
        progress.write();
        if (progress.interrupted) {
            if (progress.started) {
                recordOutcome(SecurityEvent.failure("import.failure", null, null, progress.details("interrupted", 0)));
            }
            Interrupted stopped = new Interrupted(progress.resumeLine(), progress.written, progress.unchanged, progress.started);
            return new Result(progress.written, progress.replaced, progress.unchanged, problems.size(), problems, false, false, stopped);
        }
        Map<String, String> details = new HashMap<>(progress.details(null, 0));
        details.put("skipped_lines", Integer.toString(problems.size()));
        recordOutcome(SecurityEvent.success("import.success", null, null, details));
        return new Result(progress.written, progress.replaced, progress.unchanged, problems.size(), problems, false, false, null);
    }

    /** The outcome is recorded after the writes, quietly: they happened whether or not the log can hear it now. */
    private void recordOutcome(SecurityEvent event) {
        vault.events().recordQuietly(event, notRecorded -> { });
    }

    private List<Entry> parseAll(BufferedReader input, Instant now, List<Problem> problems) throws IOException {
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String text;
        int lineNumber = 0;
        while (!stopRequested && (text = input.readLine()) != null) {
            lineNumber++;
            if (text.isBlank()) {
                continue;
            }
            try {
                Entry entry = parse(lineNumber, text, now);
                if (!seen.add(entry.credential().provider() + "\u0000" + entry.credential().user())) {
                    throw new Invalid("a second line for " + entry.display());
                }
                entries.add(entry);
            } catch (Invalid e) {
                problems.add(new Problem(lineNumber, e.getMessage()));
            }
        }
        return entries;
    }

    /**
     * Reads what is stored for every line, one pipelined round trip per batch (a new credential costs
     * no more than that), and decrypts only what exists, to tell unchanged lines from differing ones.
     *
     * @return null when a stop was asked for meanwhile
     */
    private Plan compareWithStore(List<Entry> entries, boolean replace, List<Problem> problems) {
        List<Pending> pending = new ArrayList<>(entries.size());
        int unchanged = 0;
        for (int from = 0; from < entries.size(); from += BATCH) {
            if (stopRequested) {
                return null;
            }
            List<Entry> batch = entries.subList(from, Math.min(entries.size(), from + BATCH));
            List<Optional<CredentialStore.Stored>> stored = vault.store().getAll(batch.stream().map(Entry::name).toList());
            for (int i = 0; i < batch.size(); i++) {
                Entry e = batch.get(i);
                if (stored.get(i).isEmpty()) {
                    pending.add(new Pending(e, 0));
                    continue;
                }
                CredentialStore.Stored record = stored.get(i).get();
                if (replace) {
                    // every stored line is written again, the same or not: after "not confirmed by replicas",
                    // a rerun with --replace writes them and has them confirmed
                    if (record.rev() < 0) {
                        problems.add(new Problem(e.line(), e.display() + " is stored as something that is not a credential record "
                                + "(" + record.key() + "); delete that key first"));
                    } else {
                        pending.add(new Pending(e, record.rev()));
                    }
                    continue;
                }
                String difference = difference(e, record);
                if (difference == null) {
                    unchanged++;
                } else {
                    problems.add(new Problem(e.line(), e.display() + " is already stored " + difference + "; use --replace to overwrite it"));
                }
            }
        }
        return new Plan(pending, unchanged);
    }

    /** @return null when the stored record is what the line would store; else how it differs (field names, never values) */
    private String difference(Entry line, CredentialStore.Stored record) {
        CredentialVault.ReadOutcome opened = vault.open(record);
        if (opened instanceof CredentialVault.Damaged damaged) {
            vault.recordDamage(damaged);
            return "but cannot be read (" + damaged.reason() + ")";
        }
        CredentialVault.Opened stored = (CredentialVault.Opened) opened;
        List<String> fields = differences(line, stored.credential(), stored.secrets());
        return fields.isEmpty() ? null : "with other content (" + String.join(", ", fields) + ")";
    }

    /**
     * Compares what a line determines with a stored credential. Times of creation and update are the
     * import's, not the line's, and are not compared. An expires_at must match the stored expiry to
     * the millisecond; an expires_in of N seconds is relative to when the line was imported, so it
     * matches a record whose expiry lies exactly N seconds after its update time (which an earlier
     * import of the same line stored).
     */
    private static List<String> differences(Entry line, Credential stored, Secrets storedSecrets) {
        Credential c = line.credential();
        List<String> fields = new ArrayList<>();
        if (!Credential.ACTIVE.equals(stored.status())) {
            fields.add("status " + stored.status());
        }
        if (!line.secrets().revealAccessToken().equals(storedSecrets.revealAccessToken())) {
            fields.add("access_token");
        }
        if (!Objects.equals(line.secrets().revealRefreshToken(), storedSecrets.revealRefreshToken())) {
            fields.add("refresh_token");
        }
        if (!line.secrets().revealOther().equals(storedSecrets.revealOther())) {
            fields.add("secrets");
        }
        if (!c.scopes().equals(stored.scopes())) {
            fields.add("scopes");
        }
        if (!c.account().equals(stored.account())) {
            fields.add("metadata");
        }
        if (!sameExpiry(c.expiresAt(), c.updatedAt(), stored.expiresAt(), stored.updatedAt(), line.relativeExpiry())) {
            fields.add(line.relativeExpiry() ? "expires_in" : "expires_at");
        }
        if (!sameExpiry(c.refreshExpiresAt(), c.updatedAt(), stored.refreshExpiresAt(), stored.updatedAt(), line.relativeRefreshExpiry())) {
            fields.add(line.relativeRefreshExpiry() ? "refresh_expires_in" : "refresh_expires_at");
        }
        return fields;
    }

    private static boolean sameExpiry(Instant line, Instant lineWritten, Instant stored, Instant storedWritten, boolean relative) {
        if (line == null || stored == null) {
            return line == null && stored == null;
        }
        if (relative) {
            return storedWritten != null && stored.toEpochMilli() - storedWritten.toEpochMilli() == line.toEpochMilli() - lineWritten.toEpochMilli();
        }
        return stored.toEpochMilli() == line.toEpochMilli();
    }

    /** The writing phase: batch after batch, each accounted for write by write. */
    private final class Progress {
        private final List<Pending> pending;
        private final Runnable start;
        /** per pending line: written, or found stored as it is */
        private final boolean[] settled;
        private int written;
        private int replaced;
        private int unchanged;
        private boolean started;
        private boolean interrupted;

        /** @param start records the start of the writes; throws when it cannot (then nothing is written) */
        Progress(List<Pending> pending, int unchangedBefore, Runnable start) {
            this.pending = pending;
            this.start = start;
            this.settled = new boolean[pending.size()];
            this.unchanged = unchangedBefore;
        }

        void write() {
            int batchNumber = 0;
            for (int from = 0; from < pending.size(); from += BATCH) {
                if (stopNow()) {
                    return;
                }
                int to = Math.min(pending.size(), from + BATCH);
                if (!started) {
                    // the keys first: without them nothing can be written, and nothing need be recorded
                    vault.requireKeys();
                    if (stopNow()) {
                        return;
                    }
                    start.run();
                    started = true;
                    if (stopNow()) { // asked while the start was being recorded
                        return;
                    }
                }
                List<Boolean> applied;
                try {
                    applied = vault.saveAll(pending.subList(from, to).stream()
                            .map(p -> new CredentialVault.Save(p.entry().credential(), p.entry().secrets(), p.expectedRev())).toList());
                } catch (RuntimeException e) {
                    int inDoubt = readBack(from, to);
                    throw stopped(explain(e), null, from, to, inDoubt);
                }
                List<Integer> lost = new ArrayList<>();
                for (int i = 0; i < applied.size(); i++) {
                    if (applied.get(i)) {
                        settle(from + i, true);
                    } else {
                        lost.add(from + i);
                    }
                }
                List<Entry> conflicts;
                try {
                    conflicts = recheck(lost);
                } catch (RuntimeException e) {
                    throw stopped(explain(e), null, from, to, 0);
                }
                if (!conflicts.isEmpty()) {
                    throw stopped(null, conflicts, from, to, 0);
                }
                afterBatch.accept(++batchNumber);
            }
        }

        private boolean stopNow() {
            interrupted = stopRequested;
            return interrupted;
        }

        private void settle(int index, boolean wrote) {
            settled[index] = true;
            if (wrote) {
                written++;
                if (pending.get(index).replacing()) {
                    replaced++;
                }
            } else {
                unchanged++;
            }
        }

        /**
         * Lines whose compare-and-set lost: another writer stored the credential after it was compared.
         * Stored as the line would store it (the same file imported twice at once) is unchanged; anything
         * else is a conflict.
         */
        private List<Entry> recheck(List<Integer> lost) {
            if (lost.isEmpty()) {
                return List.of();
            }
            List<Optional<CredentialStore.Stored>> now = vault.store().getAll(lost.stream().map(i -> pending.get(i).entry().name()).toList());
            List<Entry> conflicts = new ArrayList<>();
            for (int i = 0; i < lost.size(); i++) {
                Entry e = pending.get(lost.get(i)).entry();
                if (now.get(i).isPresent() && difference(e, now.get(i).get()) == null) {
                    settle(lost.get(i), false);
                } else {
                    conflicts.add(e);
                }
            }
            return conflicts;
        }

        /**
         * After a batch failed part-way, finds out which of its writes landed by reading the records back:
         * one that now holds what its line gives was written (it was missing or different before).
         *
         * @return how many writes remain in doubt: all of them when the store cannot be read either
         */
        private int readBack(int from, int to) {
            try {
                List<Optional<CredentialStore.Stored>> stored = vault.store().getAll(pending.subList(from, to).stream()
                        .map(p -> p.entry().name()).toList());
                for (int i = 0; i < stored.size(); i++) {
                    if (stored.get(i).isPresent() && difference(pending.get(from + i).entry(), stored.get(i).get()) == null) {
                        settle(from + i, true);
                    }
                }
                return 0;
            } catch (RuntimeException storeGone) {
                int inDoubt = 0;
                for (int i = from; i < to; i++) {
                    inDoubt += settled[i] ? 0 : 1;
                }
                return inDoubt;
            }
        }

        int resumeLine() {
            for (int i = 0; i < settled.length; i++) {
                if (!settled[i]) {
                    return pending.get(i).entry().line();
                }
            }
            return pending.isEmpty() ? 1 : pending.get(pending.size() - 1).entry().line() + 1;
        }

        Map<String, String> details(String reason, int inDoubt) {
            Map<String, String> details = new HashMap<>(Map.of("written", Integer.toString(written),
                    "replaced", Integer.toString(replaced), "unchanged", Integer.toString(unchanged)));
            if (reason != null) {
                details.put("reason", reason);
                details.put("stopped_at_line", Integer.toString(resumeLine()));
            }
            if (inDoubt > 0) {
                details.put("in_doubt", Integer.toString(inDoubt));
            }
            return details;
        }

        /**
         * The failure that stopped the batch {@code from..to} ({@code cause}, or else {@code conflicts}),
         * told with what was written, what was unchanged and where a rerun goes on; recorded quietly:
         * the store may be what failed.
         */
        private IntegException stopped(IntegException cause, List<Entry> conflicts, int from, int to, int inDoubt) {
            int resume = resumeLine();
            StringBuilder why = new StringBuilder();
            String hint;
            if (conflicts != null) {
                why.append(conflicts.stream().limit(5).map(e -> e.display() + " (line " + e.line() + ")").collect(Collectors.joining(", ")))
                        .append(conflicts.size() > 5 ? " and " + (conflicts.size() - 5) + " more" : "")
                        .append(conflicts.size() == 1 ? " was" : " were").append(" stored by another writer during the import; ");
                Entry first = conflicts.get(0);
                hint = "'integ events --provider " + first.credential().provider() + " --user " + first.credential().user()
                        + "' shows who wrote it; " + rerun(resume) + "; add --replace if the file should overwrite "
                        + (conflicts.size() == 1 ? "that credential" : "those credentials");
            } else {
                why.append(cause.getMessage()).append("; ");
                hint = (cause.hint() == null ? "" : cause.hint() + "; ") + rerun(resume);
            }
            why.append(counts(written, unchanged));
            if (inDoubt > 0) {
                why.append("; lines ").append(pending.get(from).entry().line()).append("-").append(pending.get(to - 1).entry().line())
                        .append(" were being written: ").append(inDoubt).append(" of them may be stored or not");
            }
            recordOutcome(SecurityEvent.failure("import.failure", null, null, details(conflicts != null ? "conflict" : "error", inDoubt)));
            String what = "import stopped at line " + resume;
            // a conflict keeps the exit code it always had: 4, like any lost compare-and-set
            return conflicts != null ? IntegException.retryLater(what, why.toString(), hint, null) : cause.explained(what, why.toString(), hint);
        }
    }

    private IntegException explain(RuntimeException e) {
        if (e instanceof IntegException integ) {
            return integ;
        }
        if (e instanceof JedisException jedis) {
            return storeFailure.apply(jedis);
        }
        return IntegException.failure("unexpected " + e.getClass().getSimpleName(), e.getMessage(), null, e);
    }

    private static String counts(int written, int unchanged) {
        return written + " credential" + (written == 1 ? " was" : "s were") + " written and " + unchanged + " unchanged";
    }

    private static String rerun(int resumeLine) {
        return "rerunning the same file is safe: it goes on from line " + resumeLine + " and counts what is already stored as unchanged";
    }

    private Entry parse(int line, String text, Instant now) {
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JsonProcessingException e) {
            // Jackson's message may quote the input, and the input holds tokens: say where, not what
            throw new Invalid("not a JSON object (column " + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr()) + ")");
        }
        if (node == null || !node.isObject()) {
            throw new Invalid("not a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new Invalid("unknown field '" + name + "' (known: " + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        }
        String provider = text(node, "provider", true);
        if (!ProviderName.valid(provider)) {
            throw new Invalid("provider must be 1 to 32 lower-case letters, digits, '-' or '_', starting with a letter");
        }
        try {
            provider = canonicalProvider.apply(provider);
        } catch (IntegException unknown) {
            throw new Invalid(unknown.getMessage() + (unknown.hint() == null ? "" : " (" + unknown.hint() + ")"));
        }
        JsonNode userNode = node.get("user");
        // an empty name is refused by the user-name rule, in the words every command uses
        String user = userNode != null && userNode.isTextual() && userNode.asText().isEmpty() ? "" : text(node, "user", true);
        Optional<String> badUser = UserName.refusal(user);
        if (badUser.isPresent()) {
            throw new Invalid(badUser.get());
        }
        user = UserName.of(user).value();
        String access = text(node, "access_token", true);
        String refresh = text(node, "refresh_token", false);
        Instant expiresAt = time(node, "expires_at", "expires_in", now);
        Instant refreshExpiresAt = time(node, "refresh_expires_at", "refresh_expires_in", now);
        if (refresh == null && refreshExpiresAt != null) {
            throw new Invalid("refresh_expires_at without a refresh_token");
        }
        if (refresh == null && expiresAt != null && !expiresAt.isAfter(now)) {
            throw new Invalid("the access token has expired and there is no refresh token: nothing usable to import");
        }
        List<String> scopes = scopes(node.get("scopes"));
        Map<String, String> account = stringMap(node, "metadata");
        Map<String, String> otherSecrets = stringMap(node, "secrets");
        Credential credential = new Credential(provider, user, Credential.ACTIVE, scopes, expiresAt, refreshExpiresAt, refresh != null,
                now, now, account);
        return new Entry(line, credential, new Secrets(access, refresh, otherSecrets), node.has("expires_in"), node.has("refresh_expires_in"));
    }

    private static String text(JsonNode node, String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new Invalid("missing " + field);
            }
            return null;
        }
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw new Invalid(field + " must be a non-empty string");
        }
        return value.asText();
    }

    private static Instant time(JsonNode node, String atField, String inField, Instant now) {
        Instant t = parseTime(node, atField, inField, now);
        try {
            if (t != null) {
                t.toEpochMilli(); // records keep epoch milliseconds
            }
            return t;
        } catch (ArithmeticException e) {
            throw new Invalid((node.get(inField) != null ? inField : atField) + " is out of range");
        }
    }

    private static Instant parseTime(JsonNode node, String atField, String inField, Instant now) {
        JsonNode at = node.get(atField);
        JsonNode in = node.get(inField);
        if (at != null && in != null) {
            throw new Invalid("give " + atField + " or " + inField + ", not both");
        }
        if (in != null) {
            if (!in.canConvertToLong() || in.asLong() < 0) {
                throw new Invalid(inField + " must be a number of seconds");
            }
            try {
                return now.plusSeconds(in.asLong());
            } catch (ArithmeticException | DateTimeException e) {
                throw new Invalid(inField + " is out of range");
            }
        }
        if (at == null || at.isNull()) {
            return null;
        }
        if (at.canConvertToLong()) {
            try {
                return Instant.ofEpochSecond(at.asLong());
            } catch (DateTimeException e) {
                throw new Invalid(atField + " is out of range");
            }
        }
        try {
            return Instant.parse(at.asText());
        } catch (DateTimeParseException e) {
            throw new Invalid(atField + " must be ISO-8601 (2026-11-27T10:00:00Z) or epoch seconds");
        }
    }

    private static List<String> scopes(JsonNode scopes) {
        if (scopes == null || scopes.isNull()) {
            return List.of();
        }
        if (scopes.isTextual()) {
            return Arrays.stream(scopes.asText().split("[\\s,]+")).filter(s -> !s.isEmpty()).toList();
        }
        if (!scopes.isArray()) {
            throw new Invalid("scopes must be a list of strings or one space-separated string");
        }
        List<String> list = new ArrayList<>();
        for (JsonNode s : scopes) {
            if (!s.isTextual()) {
                throw new Invalid("scopes must be strings");
            }
            list.add(s.asText());
        }
        return list;
    }

    private static Map<String, String> stringMap(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw new Invalid(field + " must be an object of strings");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isValueNode()) {
                throw new Invalid(field + "." + e.getKey() + " must be a string");
            }
            map.put(e.getKey(), e.getValue().asText());
        }
        return map;
    }

    /** Problems found while validating; the caller collects them, one per line. */
    static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }
}
