/* A native client as apps with their own app-layer encryption are: it compresses a JSON body with zlib, then
 * encrypts it with OpenSSL's EVP AES-256-CBC (the key and IV constants of the program, fed in two updates), and
 * POSTs the ciphertext over plain HTTP.
 * usage: sealed_client IP PORT CLIPBOARD   Prints the response's status line; exit 0 on an answer. */
#include <openssl/evp.h>
#include <stdio.h>
#include <zlib.h>

#include "post_body.h"

static const unsigned char KEY[32] = "native-sealed-key-0123456789abcd";
static const unsigned char IV[16] = "native-sealed-iv";

int main(int argc, char **argv) {
    char json[512];
    int length = registration_json(argc, argv, json, sizeof json);
    if (length < 0) return 64;
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

    return post_body(argv[1], argv[2], sealed, total, "");
}
