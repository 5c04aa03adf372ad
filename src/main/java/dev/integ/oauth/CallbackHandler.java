package dev.integ.oauth;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Serves the redirect path: checks each request against the sign-in, shows the browser a page, and
 * hands the first Authorized or Denied outcome to the waiting {@link LoopbackReceiver}, holding that
 * request's page until the flow says how the sign-in ended.
 *
 * <p>Sheds floods: once {@link #SHED_AFTER} requests were refused (wrong host, path, method or state),
 * every further refusal is a fixed 429 with no page rendered. The state is still checked (in constant
 * time) on every callback, so the browser's real answer ends the sign-in in the middle of a flood.
 * Refusals cannot be told apart per client: every client of a loopback receiver is this machine.
 */
final class CallbackHandler extends Handler.Abstract {
    /** A browser with a few stale tabs stays well below this; anything beyond is noise or an attack. */
    static final int SHED_AFTER = 20;

    private final String path;
    private final String authority;
    private final CallbackCheck check;
    private final Consumer<CallbackOutcome.Rejected> onRejected;
    private final AtomicBoolean ended;
    private final CompletableFuture<Claimed> outcome;
    private final Duration answerCap;
    private final AtomicLong refused = new AtomicLong();

    /** The answer that ended the sign-in, and the browser's request, held until the flow has a result to show. */
    record Claimed(CallbackOutcome outcome, HeldAnswer answer) {
    }

    /**
     * @param ended     claimed by the one request (or timeout, or close) that ends the flow
     * @param outcome   completed as soon as the ending request arrived; its page is written later, by the flow
     * @param answerCap how long the browser waits for the flow's result before it is told to look at the terminal
     */
    CallbackHandler(String path, String authority, CallbackCheck check, Consumer<CallbackOutcome.Rejected> onRejected,
                    AtomicBoolean ended, CompletableFuture<Claimed> outcome, Duration answerCap) {
        this.path = path;
        this.authority = authority.toLowerCase(Locale.ROOT);
        this.check = check;
        this.onRejected = onRejected;
        this.ended = ended;
        this.outcome = outcome;
        this.answerCap = answerCap;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        // DNS rebinding: a web page whose host name now resolves to 127.0.0.1 reaches us with its own Host
        if (!isOurHost(request.getHeaders().get(HttpHeader.HOST))) {
            refuse(response, callback, ReceiverPages::wrongHost);
            return true;
        }
        if (!"GET".equals(request.getMethod()) || !path.equals(request.getHttpURI().getPath())) {
            refuse(response, callback, ReceiverPages::notFound);
            return true;
        }
        if (ended.get()) {
            ReceiverPages.alreadyFinished(response, callback);
            return true;
        }
        CallbackOutcome result = check.check(CallbackCheck.parseQuery(request.getHttpURI().getQuery()));
        if (result instanceof CallbackOutcome.Rejected rejected) {
            tell(rejected);
            refuse(response, callback, ReceiverPages::notThisSignIn);
        } else if (!ended.compareAndSet(false, true)) {
            ReceiverPages.alreadyFinished(response, callback);
        } else {
            hold(response, callback, result);
        }
        return true;
    }

    /**
     * The page is not written now: the flow writes it once the code is exchanged and the credential
     * stored (or not), so the browser never says more than the terminal. A browser must not wait
     * forever, though: after the cap it is told to look at the terminal.
     */
    private void hold(Response response, Callback callback, CallbackOutcome result) {
        HeldAnswer held = new HeldAnswer(response, callback);
        // Jetty does not fail a request that waits for neither a read nor a write on idle timeout
        // (LoopbackReceiverTest holds one past its connection's idle timeout)
        CompletableFuture.runAsync(() -> held.answer(SignInPage.stillWorking()),
                CompletableFuture.delayedExecutor(answerCap.toMillis(), TimeUnit.MILLISECONDS));
        outcome.complete(new Claimed(result, held));
    }

    private void refuse(Response response, Callback callback, BiConsumer<Response, Callback> page) {
        if (refused.incrementAndGet() > SHED_AFTER) {
            ReceiverPages.tooMany(response, callback);
        } else {
            page.accept(response, callback);
        }
    }

    private boolean isOurHost(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        // a browser leaves out port 80, the default for http
        return h.equals(authority) || (authority.endsWith(":80") && h.equals(authority.substring(0, authority.length() - 3)));
    }

    private void tell(CallbackOutcome.Rejected rejected) {
        if (onRejected == null) {
            return;
        }
        try {
            onRejected.accept(rejected);
        } catch (RuntimeException e) {
            // the listener only informs the user; the browser still gets its page and the flow goes on
        }
    }
}
