package dev.integ.vault;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The byte layout of a stored credential (the {@code data} field of its hash):
 * <pre>
 *   'I' 'C' schema(1)  u32 metadata length  metadata  Tink ciphertext of the secrets
 * </pre>
 * Fields are length-prefixed binary rather than JSON: on bulk paths (list, rewrap) parsing JSON
 * per record costs more than decrypting it. Associated data binds the ciphertext to its place
 * (namespace, provider, user, schema) and to the exact metadata bytes.
 */
final class RecordCodec {
    static final int SCHEMA = 1;
    private static final byte[] AD_LABEL = "integ credential".getBytes(StandardCharsets.UTF_8);

    /** A stored record split into its parts; nothing is verified until the ciphertext is decrypted. */
    record Parts(byte[] metadata, byte[] ciphertext) {
    }

    private RecordCodec() {
    }

    static byte[] record(byte[] metadata, byte[] ciphertext) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8 + metadata.length + ciphertext.length);
        out.write('I');
        out.write('C');
        out.write(SCHEMA);
        writeInt(out, metadata.length);
        out.writeBytes(metadata);
        out.writeBytes(ciphertext);
        return out.toByteArray();
    }

    /** @throws IllegalArgumentException when the bytes are not a record of this schema */
    static Parts split(byte[] record) {
        if (record == null || record.length < 7 || record[0] != 'I' || record[1] != 'C') {
            throw new IllegalArgumentException("not an integ credential record");
        }
        if (record[2] != SCHEMA) {
            throw new IllegalArgumentException("record schema " + record[2] + " is not " + SCHEMA);
        }
        int length = ((record[3] & 0xff) << 24) | ((record[4] & 0xff) << 16) | ((record[5] & 0xff) << 8) | (record[6] & 0xff);
        if (length < 0 || 7 + length > record.length) {
            throw new IllegalArgumentException("record is truncated");
        }
        return new Parts(Arrays.copyOfRange(record, 7, 7 + length), Arrays.copyOfRange(record, 7 + length, record.length));
    }

    static byte[] associatedData(String namespace, String provider, String user, byte[] metadata) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + metadata.length);
        for (byte[] part : List.of(AD_LABEL, new byte[] {SCHEMA}, utf8(namespace), utf8(provider), utf8(user), metadata)) {
            writeInt(out, part.length);
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] metadata(Credential c) {
        return write(out -> {
            out.writeUTF(c.provider());
            out.writeUTF(c.user());
            out.writeUTF(c.status());
            out.writeShort(c.scopes().size());
            for (String scope : c.scopes()) {
                out.writeUTF(scope);
            }
            writeInstant(out, c.expiresAt());
            writeInstant(out, c.refreshExpiresAt());
            out.writeBoolean(c.hasRefreshToken());
            writeInstant(out, c.createdAt());
            writeInstant(out, c.updatedAt());
            writeMap(out, c.account());
        });
    }

    static Credential credential(byte[] metadata) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(metadata))) {
            String provider = in.readUTF();
            String user = in.readUTF();
            String status = in.readUTF();
            int scopeCount = in.readUnsignedShort();
            List<String> scopes = new ArrayList<>(scopeCount);
            for (int i = 0; i < scopeCount; i++) {
                scopes.add(in.readUTF());
            }
            return new Credential(provider, user, status, scopes, readInstant(in), readInstant(in), in.readBoolean(),
                    readInstant(in), readInstant(in), readMap(in));
        } catch (IOException e) {
            throw new IllegalArgumentException("metadata is malformed", e);
        }
    }

    static byte[] secrets(Secrets s) {
        return write(out -> {
            writeLong(out, s.revealAccessToken());
            out.writeBoolean(s.hasRefreshToken());
            if (s.hasRefreshToken()) {
                writeLong(out, s.revealRefreshToken());
            }
            out.writeShort(s.revealOther().size());
            for (Map.Entry<String, String> e : s.revealOther().entrySet()) {
                out.writeUTF(e.getKey());
                writeLong(out, e.getValue());
            }
        });
    }

    static Secrets secrets(byte[] plaintext) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plaintext))) {
            String access = readLong(in);
            String refresh = in.readBoolean() ? readLong(in) : null;
            int count = in.readUnsignedShort();
            Map<String, String> other = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                other.put(in.readUTF(), readLong(in));
            }
            return new Secrets(access, refresh, other);
        } catch (IOException e) {
            throw new IllegalArgumentException("secrets are malformed", e);
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
        out.writeLong(t == null ? Long.MIN_VALUE : t.toEpochMilli());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        long millis = in.readLong();
        return millis == Long.MIN_VALUE ? null : Instant.ofEpochMilli(millis);
    }

    private static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeShort(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    private static Map<String, String> readMap(DataInputStream in) throws IOException {
        int count = in.readUnsignedShort();
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            map.put(in.readUTF(), in.readUTF());
        }
        return map;
    }

    /** Tokens can be longer than writeUTF's 64 KiB limit. */
    private static void writeLong(DataOutputStream out, String s) throws IOException {
        byte[] b = utf8(s);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readLong(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("bad length");
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
