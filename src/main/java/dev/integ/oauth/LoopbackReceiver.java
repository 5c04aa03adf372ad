package dev.integ.oauth;

import dev.integ.core.Durations;
import dev.integ.core.IntegException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The loopback HTTP server the browser is redirected to after sign-in (RFC 8252 section 7.3). It
 * listens on loopback addresses only, for one sign-in, and is closed as soon as the answer is in.
 */
public final class LoopbackReceiver implements AutoCloseable {
    static {
        JettyLogging.quiet();
    }

    /** Time a stop may take: the pages close their connections, so there is nothing to drain. */
    private static final long STOP_TIMEOUT_MS = 200;
    /** How long to let a page that is being written finish (or a request that claimed the outcome arrive). */
    private static final Duration CLAIMED_GRACE = Duration.ofSeconds(5);
    /**
     * How long the browser's request is held for the flow's result: the exchange and the store take
     * seconds; past this the page says "still working, see the terminal" rather than leave a spinner.
     */
    static final Duration ANSWER_CAP = Duration.ofSeconds(60);
    /**
     * Open connections at most, on all addresses together. A browser opens a handful; beyond the cap
     * Jetty stops accepting (the kernel queues new ones) and closes idle connections after
     * {@link #IDLE_WHEN_FULL_MS}, so connections held open cannot lock the browser's answer out for long.
     */
    static final int MAX_CONNECTIONS = 64;
    private static final long IDLE_WHEN_FULL_MS = 1_000;
    private static final long IDLE_MS = 10_000;
    /** A callback is one request line and a few headers; the receiver never reads a body. */
    private static final int MAX_REQUEST_HEADER_BYTES = 8 * 1024;

    private final Server server;
    private final URI redirectUri;
    private final AtomicBoolean ended;
    private final CompletableFuture<CallbackHandler.Claimed> outcome;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LoopbackReceiver(Server server, URI redirectUri, AtomicBoolean ended, CompletableFuture<CallbackHandler.Claimed> outcome) {
        this.server = server;
        this.redirectUri = redirectUri;
        this.ended = ended;
        this.outcome = outcome;
    }

    /**
     * Starts listening for the provider's answer.
     *
     * @param onRejected told about each request on the callback path that is not the answer to this
     *                   sign-in (it runs on a server thread, in the middle of a possible flood: keep it
     *                   cheap; may be null)
     */
    public static LoopbackReceiver start(RedirectTarget target, CallbackCheck check, Consumer<CallbackOutcome.Rejected> onRejected) {
        return start(target, check, onRejected, ANSWER_CAP, Duration.ofMillis(IDLE_MS));
    }

    /**
     * @param answerCap how long the browser's answer is held for {@link #answer} before it says "still working"
     * @param idle      how long a quiet connection stays open (a held answer is exempt)
     */
    static LoopbackReceiver start(RedirectTarget target, CallbackCheck check, Consumer<CallbackOutcome.Rejected> onRejected,
                                  Duration answerCap, Duration idle) {
        Server server = newServer();
        boolean started = false;
        try {
            int port = LoopbackListeners.open(server, target, () -> newConnector(server, idle));
            NetworkConnectionLimit limit = new NetworkConnectionLimit(MAX_CONNECTIONS, server);
            limit.setEndPointIdleTimeout(IDLE_WHEN_FULL_MS);
            server.addBean(limit);
            AtomicBoolean ended = new AtomicBoolean();
            CompletableFuture<CallbackHandler.Claimed> outcome = new CompletableFuture<>();
            server.setHandler(new CallbackHandler(target.path(), target.authority(port), check, onRejected, ended, outcome, answerCap));
            server.setErrorHandler((request, response, callback) -> {
                Object status = request.getAttribute(ErrorHandler.ERROR_STATUS);
                ReceiverPages.error(response, callback, status instanceof Integer s ? s : 400);
                return true;
            });
            server.start();
            started = true;
            return new LoopbackReceiver(server, target.uri(port), ended, outcome);
        } catch (IntegException e) {
            throw e;
        } catch (Exception e) {
            throw IntegException.failure("cannot start the sign-in receiver on " + target.host(), e.getMessage(), null, e);
        } finally {
            if (!started) {
                LoopbackListeners.closeAll(server);
                stopQuietly(server);
            }
        }
    }

    /** The exact redirect URI, with the port listened on: send it in both the authorization and the token request. */
    public URI redirectUri() {
        return redirectUri;
    }

    /**
     * Waits for the answer that ends this sign-in: {@link CallbackOutcome.Authorized} or
     * {@link CallbackOutcome.Denied}. Rejected requests do not end the wait. The browser's request
     * is then held until {@link #answer} (or {@link #close}) says how the sign-in ended.
     */
    public CallbackOutcome await(Duration timeout) {
        try {
            return outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS).outcome();
        } catch (TimeoutException e) {
            if (!ended.compareAndSet(false, true)) {
                // an answer arrived at the last moment and its page is being written: take it
                return claimedOutcome();
            }
            throw noAnswer(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(e);
        } catch (ExecutionException e) {
            throw IntegException.failure("the sign-in receiver failed", e.getCause().getClass().getSimpleName(), null, e.getCause());
        }
    }

    private CallbackOutcome claimedOutcome() {
        try {
            return outcome.get(CLAIMED_GRACE.toMillis(), TimeUnit.MILLISECONDS).outcome();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(e);
        } catch (ExecutionException | TimeoutException e) {
            throw IntegException.retryLater("the browser's answer could not be completed", null, "run the command again", e);
        }
    }

    private IntegException noAnswer(Duration timeout) {
        return IntegException.humanAction("no answer from the browser within " + Durations.format(timeout),
                "the sign-in was not completed, or the browser could not reach " + redirectUri,
                "run the command again; on a machine without a browser use --manual");
    }

    private static IntegException interrupted(InterruptedException e) {
        return IntegException.retryLater("interrupted while waiting for the browser", null, "run the command again", e);
    }

    /**
     * Shows the browser how the sign-in ended and waits (briefly) until the page is out, so closing
     * right after cannot cut it off. Does nothing when no answer is held, or its page was already
     * written (the cap passed).
     */
    void answer(SignInPage page) {
        HeldAnswer held = heldAnswer();
        if (held == null) {
            return;
        }
        held.answer(page);
        try {
            held.written().get(CLAIMED_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the browser went away or stopped reading: the terminal still has the result
        }
    }

    private HeldAnswer heldAnswer() {
        CallbackHandler.Claimed claimed = outcome.getNow(null);
        return claimed == null ? null : claimed.answer();
    }

    /**
     * Stops listening; later requests find nothing. A browser request still held without a result
     * is told that integ stopped. Safe to call more than once.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            ended.set(true);
            answer(SignInPage.stopped());
            stopQuietly(server);
        }
    }

    private static Server newServer() {
        // a handful of daemon threads: one sign-in, one browser; never keeps the JVM alive
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("integ-receiver");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        Server server = new Server(threads, new ScheduledExecutorScheduler("integ-receiver-scheduler", true), null);
        server.setStopTimeout(STOP_TIMEOUT_MS);
        server.setStopAtShutdown(false);
        return server;
    }

    private static ServerConnector newConnector(Server server, Duration idle) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(MAX_REQUEST_HEADER_BYTES);
        // an unread body is not drained: the answer closes the connection anyway
        http.setMaxUnconsumedRequestContentReads(0);
        // accepting on the selector thread: one thread per address, so two addresses fit the small pool
        ServerConnector connector = new ServerConnector(server, 0, 1, new HttpConnectionFactory(http));
        connector.setIdleTimeout(idle.toMillis());
        return connector;
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // nothing useful to do: the process is about to move on or exit, and the sockets are loopback only
        }
    }
}
