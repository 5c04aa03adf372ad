package dev.integ.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A throwaway certificate authority for TLS tests, in plain Java (no openssl, no BouncyCastle):
 * the JDK generates and signs P-256 keys, and a small DER writer lays out the X.509 v3 structures.
 * Everything is written as PEM, the form redis-server and integ's --redis-* options take; keys are
 * unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}).
 */
public final class TestCertificates {
    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final KeyPair caKeys;
    private final byte[] caName;
    private final byte[] caKeyId;
    private final Path caFile;

    /** A certificate and its private key, as PEM files. */
    public record Identity(Path cert, Path key) {
    }

    private TestCertificates(Path dir, KeyPair caKeys, byte[] caName, byte[] caKeyId, Path caFile) {
        this.dir = dir;
        this.caKeys = caKeys;
        this.caName = caName;
        this.caKeyId = caKeyId;
        this.caFile = caFile;
    }

    /** Creates a self-signed CA and writes its certificate to {@code dir/ca.pem}. */
    public static TestCertificates authority(Path dir, String commonName) {
        KeyPair keys = newKeyPair();
        byte[] name = name(commonName);
        byte[] keyId = keyId(keys.getPublic());
        byte[] extensions = seq(
                extension("2.5.29.19", true, seq(bool(true))),                       // basicConstraints: CA
                extension("2.5.29.15", true, bitString(new byte[] {0x06}, 1)),       // keyUsage: keyCertSign, cRLSign
                extension("2.5.29.14", false, octetString(keyId)));                  // subjectKeyIdentifier
        byte[] der = sign(keys, tbs(name, name, keys.getPublic(), extensions));
        Path file = dir.resolve("ca.pem");
        writePem(file, "CERTIFICATE", der);
        TestCertificates ca = new TestCertificates(dir, keys, name, keyId, file);
        ca.check(der);
        return ca;
    }

    public Path caFile() {
        return caFile;
    }

    /** A server certificate for {@code localhost} and {@code 127.0.0.1}, written to {@code dir/NAME.pem} and {@code dir/NAME.key}. */
    public Identity server(String name) {
        return server(name, List.of("localhost"), List.of("127.0.0.1"));
    }

    /** A server certificate whose subjectAltName holds exactly these DNS names and IP addresses. */
    public Identity server(String name, List<String> dnsNames, List<String> ips) {
        return issue(name, dnsNames.isEmpty() ? name : dnsNames.get(0), "1.3.6.1.5.5.7.3.1", dnsNames, ips);
    }

    /** A client certificate (extended key usage clientAuth), for mutual TLS. */
    public Identity client(String name) {
        return issue(name, name, "1.3.6.1.5.5.7.3.2", List.of(), List.of());
    }

    private Identity issue(String fileName, String commonName, String extendedKeyUsage, List<String> dnsNames, List<String> ips) {
        KeyPair keys = newKeyPair();
        List<byte[]> extensions = new ArrayList<>(List.of(
                extension("2.5.29.19", true, seq()),                                 // basicConstraints: not a CA
                extension("2.5.29.15", true, bitString(new byte[] {(byte) 0x80}, 7)), // keyUsage: digitalSignature
                extension("2.5.29.37", false, seq(oid(extendedKeyUsage))),
                extension("2.5.29.14", false, octetString(keyId(keys.getPublic()))),
                extension("2.5.29.35", false, seq(tlv(0x80, caKeyId)))));           // authorityKeyIdentifier
        if (!dnsNames.isEmpty() || !ips.isEmpty()) {
            List<byte[]> names = new ArrayList<>();
            dnsNames.forEach(dns -> names.add(tlv(0x82, dns.getBytes(StandardCharsets.US_ASCII))));
            for (String ip : ips) {
                try {
                    names.add(tlv(0x87, InetAddress.getByName(ip).getAddress()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            extensions.add(extension("2.5.29.17", false, seq(names.toArray(new byte[0][]))));  // subjectAltName
        }
        byte[] der = sign(caKeys, tbs(caName, name(commonName), keys.getPublic(), seq(extensions.toArray(new byte[0][]))));
        check(der);
        Identity identity = new Identity(dir.resolve(fileName + ".pem"), dir.resolve(fileName + ".key"));
        writePem(identity.cert(), "CERTIFICATE", der);
        writePem(identity.key(), "PRIVATE KEY", keys.getPrivate().getEncoded());  // the JDK encodes private keys as PKCS#8
        return identity;
    }

    /** Parses and verifies what was built, so a mistake in the DER shows up here rather than as a TLS failure. */
    private void check(byte[] der) {
        try {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            cert.verify(caKeys.getPublic());
            cert.checkValidity();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("built an invalid test certificate", e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] tbs(byte[] issuer, byte[] subject, PublicKey key, byte[] extensions) {
        Instant now = Instant.now();
        return seq(
                tlv(0xA0, integer(BigInteger.valueOf(2))),                           // version v3
                integer(new BigInteger(64, RANDOM).add(BigInteger.ONE)),             // serial
                seq(oid(ECDSA_WITH_SHA256)),
                issuer,
                seq(utcTime(now.minus(Duration.ofHours(1))), utcTime(now.plus(Duration.ofDays(1)))),
                subject,
                key.getEncoded(),                                                    // SubjectPublicKeyInfo, already DER
                tlv(0xA3, extensions));
    }

    private static byte[] sign(KeyPair issuer, byte[] tbs) {
        try {
            Signature signature = Signature.getInstance("SHA256withECDSA");
            signature.initSign(issuer.getPrivate());
            signature.update(tbs);
            return seq(tbs, seq(oid(ECDSA_WITH_SHA256)), bitString(signature.sign(), 0));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] keyId(PublicKey key) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(key.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] name(String commonName) {
        return seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0C, commonName.getBytes(StandardCharsets.UTF_8)))));
    }

    private static byte[] extension(String id, boolean critical, byte[] value) {
        return critical ? seq(oid(id), bool(true), octetString(value)) : seq(oid(id), octetString(value));
    }

    // --- DER ---

    private static byte[] seq(byte[]... parts) {
        return tlv(0x30, parts);
    }

    private static byte[] integer(BigInteger value) {
        return tlv(0x02, value.toByteArray());
    }

    private static byte[] bool(boolean value) {
        return tlv(0x01, new byte[] {(byte) (value ? 0xFF : 0)});
    }

    private static byte[] octetString(byte[] value) {
        return tlv(0x04, value);
    }

    private static byte[] bitString(byte[] bits, int unusedBits) {
        return tlv(0x03, new byte[] {(byte) unusedBits}, bits);
    }

    private static byte[] utcTime(Instant instant) {
        String text = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(instant);
        return tlv(0x17, text.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            base128(out, Long.parseLong(arcs[i]));
        }
        return tlv(0x06, out.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, long value) {
        int groups = 1;
        while ((value >>> (7 * groups)) != 0) {
            groups++;
        }
        for (int g = groups - 1; g >= 0; g--) {
            out.write((int) ((value >>> (7 * g)) & 0x7F) | (g == 0 ? 0 : 0x80));
        }
    }

    private static byte[] tlv(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = content.size();
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xFFFF ? 3 : length > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    private static void writePem(Path file, String type, byte[] der) {
        String pem = "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
        try {
            Files.writeString(file, pem, StandardCharsets.US_ASCII);
            if (type.contains("PRIVATE")) {
                // integ refuses a secret file others can read, as an admin's key file would be
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
