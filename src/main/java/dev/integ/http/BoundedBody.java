package dev.integ.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read as text up to a limit: a provider (or something posing as one) that answers
 * with gigabytes gets a clear error instead of integ's heap. The limit is checked against
 * Content-Length before anything is read, and again as the bytes arrive (chunked bodies have none).
 */
final class BoundedBody implements HttpResponse.BodySubscriber<String> {
    private final long limit;
    private final Charset charset;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<String> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    private final boolean declaredTooLarge;

    private BoundedBody(long limit, Charset charset, boolean declaredTooLarge) {
        this.limit = limit;
        this.charset = charset;
        this.declaredTooLarge = declaredTooLarge;
    }

    /** A body handler that fails with {@link TooLarge} past {@code limit} bytes. */
    static HttpResponse.BodyHandler<String> handler(long limit) {
        return info -> {
            long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            return new BoundedBody(limit, charset(info.headers().firstValue("Content-Type").orElse("")), declared > limit);
        };
    }

    /** Thrown (as the cause of the failed exchange) when an answer is larger than integ reads. */
    static final class TooLarge extends IOException {
        TooLarge(long limit) {
            super("the answer is larger than " + (limit / (1024 * 1024)) + " MiB, more than integ reads");
        }
    }

    @Override
    public CompletionStage<String> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        this.subscription = s;
        if (declaredTooLarge) {
            s.cancel();
            result.completeExceptionally(new TooLarge(limit));
            return;
        }
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer buffer : buffers) {
            if (bytes.size() + (long) buffer.remaining() > limit) {
                subscription.cancel();
                result.completeExceptionally(new TooLarge(limit));
                return;
            }
            byte[] chunk = new byte[buffer.remaining()];
            buffer.get(chunk);
            bytes.writeBytes(chunk);
        }
    }

    @Override
    public void onError(Throwable throwable) {
        result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        result.complete(bytes.toString(charset));
    }

    private static Charset charset(String contentType) {
        for (String part : contentType.split(";")) {
            String p = part.strip();
            if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                try {
                    return Charset.forName(p.substring(8).replace("\"", "").strip());
                } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }
}
