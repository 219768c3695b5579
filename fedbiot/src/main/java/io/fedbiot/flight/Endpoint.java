package io.fedbiot.flight;

/** HOST:PORT as given on the command line ({@code [::1]:8815} for IPv6). */
public record Endpoint(String host, int port) {
    public static Endpoint parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) throw new IllegalArgumentException("expected HOST:PORT, got '" + s + "'");
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port in '" + s + "' is not a number");
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " outside 0..65535");
        return new Endpoint(host, port);
    }
}
