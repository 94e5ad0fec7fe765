/* A native client as apps with their own app-layer encryption are: it compresses a JSON body with zlib, then
 * encrypts it with OpenSSL's EVP AES-256-CBC (the key and IV constants of the program, fed in two updates), and
 * POSTs the ciphertext over plain HTTP.
 * usage: sealed_client IP PORT CLIPBOARD   Prints the response's status line; exit 0 on an answer. */
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

static const unsigned char KEY[32] = "native-sealed-key-0123456789abcd";
static const unsigned char IV[16] = "native-sealed-iv";

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s IP PORT CLIPBOARD\n", argv[0]);
        return 64;
    }
    char json[512];
    int length = snprintf(json, sizeof json, "{\"openudid\":\"9a3c1f7e5b2d4e60\",\"clipboard\":\"%s\"}", argv[3]);
    unsigned char packed[1024];
    uLongf packed_length = sizeof packed;
    if (compress2(packed, &packed_length, (const unsigned char *)json, length, 9) != Z_OK) return 4;

    unsigned char sealed[1200];
    int part = 0, total = 0, half = (int)packed_length / 2;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, KEY, IV)
        || !EVP_EncryptUpdate(ctx, sealed, &part, packed, half)
        || !(total = part, EVP_EncryptUpdate(ctx, sealed + total, &part, packed + half, (int)packed_length - half))
        || !(total += part, EVP_EncryptFinal_ex(ctx, sealed + total, &part)))
        return 5;
    total += part;
    EVP_CIPHER_CTX_free(ctx);

    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    inet_pton(AF_INET, argv[1], &address.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("connect");
        return 3;
    }
    char head[256];
    int head_length = snprintf(head, sizeof head,
                               "POST /service/2/device_register/ HTTP/1.1\r\nHost: ib.snssdk.com\r\n"
                               "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n"
                               "Connection: close\r\n\r\n", total);
    if (write(fd, head, head_length) != head_length || write(fd, sealed, total) != total) return 6;
    char answer[256] = {0};
    if (read(fd, answer, sizeof answer - 1) <= 0) return 7;
    close(fd);
    printf("%s\n", strtok(answer, "\r"));
    return 0;
}
