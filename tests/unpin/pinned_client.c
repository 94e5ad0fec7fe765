/* A native TLS client as pinning apps are: Debian's OpenSSL, trusting only its own CA file and, optionally,
 * pinning the server key (SHA-256 of the leaf's SubjectPublicKeyInfo) in its verify callback.
 * Built against BoringSSL (Debian's android-libboringssl) it verifies as Cronet does: SSL_CTX_set_custom_verify
 * with a callback that accepts the server only when the leaf's key matches PIN_HEX (CA_FILE is then unused:
 * a custom verifier replaces the library's chain check).
 * usage: pinned_client CONNECT_IP PORT SNI CA_FILE PIN_HEX|- PATH [PROXY_IP PROXY_PORT]
 * Prints the response's status line; exit 0 on an answer, 2 when the TLS handshake fails. */
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *pin_hex;

/* Whether the certificate's key is the pinned one. */
static int pinned(X509 *cert) {
    unsigned char *spki = NULL, digest[32];
    int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &spki);
    unsigned int size = 0;
    EVP_Digest(spki, length, digest, &size, EVP_sha256(), NULL);
    OPENSSL_free(spki);
    char hex[65];
    for (int i = 0; i < 32; i++) sprintf(hex + 2 * i, "%02x", digest[i]);
    if (strcmp(hex, pin_hex) != 0) {
        fprintf(stderr, "pin mismatch: %s\n", hex);
        return 0;
    }
    return 1;
}

#ifdef OPENSSL_IS_BORINGSSL
static enum ssl_verify_result_t verify(SSL *ssl, uint8_t *out_alert) {
    const CRYPTO_BUFFER *leaf = sk_CRYPTO_BUFFER_value(SSL_get0_peer_certificates(ssl), 0);
    const uint8_t *der = CRYPTO_BUFFER_data(leaf);
    X509 *cert = d2i_X509(NULL, &der, CRYPTO_BUFFER_len(leaf));
    int ok = cert != NULL && pinned(cert);
    X509_free(cert);
    *out_alert = SSL_AD_BAD_CERTIFICATE;
    return ok ? ssl_verify_ok : ssl_verify_invalid;
}
#else
static int verify(int preverify_ok, X509_STORE_CTX *store) {
    if (!preverify_ok) return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0 || strcmp(pin_hex, "-") == 0) return 1;
    return pinned(X509_STORE_CTX_get_current_cert(store));
}
#endif

static int dial(const char *ip, int port) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &address.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("connect");
        exit(3);
    }
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 7 && argc != 9) {
        fprintf(stderr, "usage: %s CONNECT_IP PORT SNI CA_FILE PIN_HEX|- PATH [PROXY_IP PROXY_PORT]\n", argv[0]);
        return 64;
    }
    const char *sni = argv[3], *path = argv[6];
    int port = atoi(argv[2]);
    pin_hex = argv[5];
    int fd;
    if (argc == 9) {
        fd = dial(argv[7], atoi(argv[8]));
        char request[512], reply[512];
        int n = snprintf(request, sizeof request, "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n", sni, port, sni, port);
        write(fd, request, n);
        ssize_t got = read(fd, reply, sizeof reply - 1);      /* the proxy's 200 arrives in one segment */
        if (got <= 0 || strncmp(reply, "HTTP/1.1 200", 12) != 0) {
            fprintf(stderr, "proxy refused the tunnel\n");
            return 3;
        }
    } else {
        fd = dial(argv[1], port);
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
#ifdef OPENSSL_IS_BORINGSSL
    SSL_CTX_set_custom_verify(ctx, SSL_VERIFY_PEER, verify);
#else
    if (SSL_CTX_load_verify_locations(ctx, argv[4], NULL) != 1) {
        fprintf(stderr, "cannot load %s\n", argv[4]);
        return 64;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify);
#endif
    SSL *ssl = SSL_new(ctx);
    SSL_set_tlsext_host_name(ssl, sni);
    SSL_set1_host(ssl, sni);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
        fprintf(stderr, "TLS handshake failed: ");
        ERR_print_errors_fp(stderr);
        return 2;
    }
    char request[1024], response[4096];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, sni);
    SSL_write(ssl, request, n);
    int got = SSL_read(ssl, response, sizeof response - 1);
    if (got <= 0) return 4;
    response[got] = 0;
    response[strcspn(response, "\r")] = 0;
    printf("%s\n", response);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return 0;
}
