package dev.integ.oauth;

import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The browser's request that ended the sign-in, held open until the flow knows how it ended: the
 * page is written once, by whichever comes first of the flow's result, the wait cap ("still working")
 * or the receiver closing.
 */
final class HeldAnswer {
    private final Response response;
    private final Callback callback;
    private final AtomicBoolean answered = new AtomicBoolean();
    private final CompletableFuture<Void> written = new CompletableFuture<>();

    HeldAnswer(Response response, Callback callback) {
        this.response = response;
        this.callback = callback;
    }

    /** Writes {@code page} unless a page was already written; {@link #written()} completes once it is out (or failed). */
    void answer(SignInPage page) {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        ReceiverPages.result(response, new Callback() {
            @Override
            public void succeeded() {
                callback.succeeded();
                written.complete(null);
            }

            @Override
            public void failed(Throwable x) {
                callback.failed(x);
                written.complete(null);
            }
        }, page);
    }

    boolean answered() {
        return answered.get();
    }

    CompletableFuture<Void> written() {
        return written;
    }
}
