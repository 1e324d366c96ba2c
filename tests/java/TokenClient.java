// A token client as Java applications write one: java.net.http.HttpClient over JSSE with a client
// certificate and its chain, asking for a token once on each of two connections. The two
// HttpClients share one SSLContext, so the second connection resumes the first one's TLS session
// (JSSE keeps client sessions per SSLContext, by host and port), as a long-running Java client
// does when its connection is closed and reopened.
//
// Usage: java TokenClient.java BASE_URL CA_PEM CERT_CHAIN_PEM KEY_PEM CLIENT_ID [TLS_PROTOCOL]
// Prints one line per request: the HTTP status, a space, the response body.
// Run by tests/tests/server_tls.rs; no dependency beyond the JDK (17 or later).

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

public final class TokenClient {
    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: TokenClient BASE_URL CA_PEM CERT_CHAIN_PEM KEY_PEM CLIENT_ID [TLS_PROTOCOL]");
            System.exit(2);
        }
        String base = args[0];
        String clientId = args[4];
        String protocol = args.length > 5 ? args[5] : null;

        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(Path.of(args[1]))) {
            trust.setCertificateEntry("ca", x509.generateCertificate(in));
        }
        Certificate[] chain;
        try (var in = Files.newInputStream(Path.of(args[2]))) {
            chain = x509.generateCertificates(in).toArray(new Certificate[0]);
        }
        String keyPem = Files.readString(Path.of(args[3]))
                .replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance(chain[0].getPublicKey().getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(keyPem)));
        char[] password = "unused".toCharArray();
        KeyStore identity = KeyStore.getInstance("PKCS12");
        identity.load(null, null);
        identity.setKeyEntry("client", key, password, chain);

        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(identity, password);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLParameters parameters = tls.getDefaultSSLParameters();
        if (protocol != null) {
            parameters.setProtocols(new String[] {protocol});
        }

        String form = "grant_type=client_credentials&client_id=" + clientId + "&scope=read";
        for (int connection = 1; connection <= 2; connection++) {
            // A new HttpClient is a new connection pool: this request opens a new connection.
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(tls)
                    .sslParameters(parameters)
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/connect/token"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form))
                    .build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            System.out.println(response.statusCode() + " " + response.body());
        }
    }
}
