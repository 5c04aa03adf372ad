import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Rewrap's compare-and-set writes: one EVALSHA per record, pipelined in batches of 1,000 (what integ
 * does), against one EVALSHA per batch of 1,000 keys. 100,000 records of 220 bytes, 6 rounds; wall
 * time and Redis's own time (INFO commandstats). An experiment behind docs/benchmarks.md, not integ code.
 *
 *   javac -cp target/integ.jar -d target/casb src/bench/java/CasBatchBench.java
 *   java -XX:+UseSerialGC -cp target/integ.jar:target/casb CasBatchBench PORT     (a throwaway redis-server)
 */
public final class CasBatchBench {
    private static final int RECORDS = 100_000;
    private static final int BATCH = 1_000;
    private static final String PER_RECORD = """
            if redis.call('HGET', KEYS[1], 'rev') == ARGV[1] then
              redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'data', ARGV[3])
              return 1
            end
            return 0
            """;
    private static final String PER_BATCH = """
            local applied = {}
            for i = 1, #KEYS do
              local arg = 3 * i - 2
              if redis.call('HGET', KEYS[i], 'rev') == ARGV[arg] then
                redis.call('HSET', KEYS[i], 'rev', ARGV[arg + 1], 'data', ARGV[arg + 2])
                applied[i] = 1
              else
                applied[i] = 0
              end
            end
            return applied
            """;

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        try (RedisClient redis = RedisClient.builder().hostAndPort("127.0.0.1", port).build()) {
            byte[] data = new byte[220];
            new Random(1).nextBytes(data);
            try (AbstractPipeline load = redis.pipelined()) {
                for (int i = 0; i < RECORDS; i++) {
                    load.hset(key(i), Map.of(bytes("rev"), bytes("1"), bytes("data"), data));
                }
                load.sync();
            }
            byte[] perRecord = bytes(redis.scriptLoad(PER_RECORD));
            byte[] perBatch = bytes(redis.scriptLoad(PER_BATCH));
            long rev = 1;
            for (int round = 0; round < 6; round++) {
                redis.sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
                long start = System.nanoTime();
                for (int first = 0; first < RECORDS; first += BATCH) {
                    List<Response<Object>> replies = new ArrayList<>();
                    try (AbstractPipeline pipeline = redis.pipelined()) {
                        for (int i = first; i < first + BATCH; i++) {
                            replies.add(pipeline.evalsha(perRecord, List.of(key(i)), List.of(bytes(rev), bytes(rev + 1), data)));
                        }
                        pipeline.sync();
                    }
                    replies.forEach(reply -> requireApplied(reply.get()));
                }
                long perRecordNanos = System.nanoTime() - start;
                String perRecordServer = serverMicros(redis.info("commandstats"));
                rev++;

                redis.sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
                start = System.nanoTime();
                for (int first = 0; first < RECORDS; first += BATCH) {
                    List<byte[]> keys = new ArrayList<>();
                    List<byte[]> scriptArgs = new ArrayList<>();
                    for (int i = first; i < first + BATCH; i++) {
                        keys.add(key(i));
                        scriptArgs.addAll(List.of(bytes(rev), bytes(rev + 1), data));
                    }
                    ((List<?>) redis.evalsha(perBatch, keys, scriptArgs)).forEach(CasBatchBench::requireApplied);
                }
                long perBatchNanos = System.nanoTime() - start;
                String perBatchServer = serverMicros(redis.info("commandstats"));
                rev++;
                System.out.printf("per record %4.0f ms (Redis %s) | per batch %4.0f ms (Redis %s)%n",
                        perRecordNanos / 1e6, perRecordServer, perBatchNanos / 1e6, perBatchServer);
            }
        }
    }

    private static void requireApplied(Object reply) {
        if (!Long.valueOf(1).equals(reply)) {
            throw new AssertionError("a compare-and-set was not applied: " + reply);
        }
    }

    private static String serverMicros(String commandstats) {
        for (String line : commandstats.split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:")) {
                return line.replaceAll(".*[:,]usec=([0-9]+).*", "$1") + " µs";
            }
        }
        return "?";
    }

    private static byte[] key(int i) {
        return bytes("k" + i);
    }

    private static byte[] bytes(Object value) {
        return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
    }
}
