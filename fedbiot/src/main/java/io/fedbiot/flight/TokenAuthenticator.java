package io.fedbiot.flight;

import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.auth2.Auth2Constants;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;

import java.util.function.Consumer;

/**
 * Flight's header hook: every call must carry {@code authorization: Bearer TOKEN} of a listed
 * client, else it ends UNAUTHENTICATED before any handler (and so any model byte) runs. The peer
 * identity handlers see is the client's name. Log lines never hold the token.
 */
final class TokenAuthenticator implements CallHeaderAuthenticator {
    private final TokenTable tokens;
    private final Consumer<String> log;

    TokenAuthenticator(TokenTable tokens, Consumer<String> log) {
        this.tokens = tokens;
        this.log = log;
    }

    @Override
    public AuthResult authenticate(CallHeaders headers) {
        String h = headers.get(Auth2Constants.AUTHORIZATION_HEADER);
        if (h == null || !h.startsWith(Auth2Constants.BEARER_PREFIX)) {
            log.accept("refused a call: no bearer token");
            throw CallStatus.UNAUTHENTICATED.withDescription("missing bearer token").toRuntimeException();
        }
        int client = tokens.lookup(h.substring(Auth2Constants.BEARER_PREFIX.length()));
        if (client < 0) {
            log.accept("refused a call: unknown token");
            throw CallStatus.UNAUTHENTICATED.withDescription("unknown token").toRuntimeException();
        }
        String name = tokens.name(client);
        return () -> name;
    }
}
