/* A native client sealing its body with BoringSSL's EVP_AEAD (AES-128-GCM), as Android's libcrypto, Cronet and
 * Conscrypt offer it: seals the JSON body, opens it again to check, POSTs the sealed bytes over plain HTTP.
 * Built against Debian's android-libboringssl (its headers under /usr/include/android).
 * usage: aead_client IP PORT CLIPBOARD   Prints the response's status line; exit 0 on an answer. */
#include <openssl/aead.h>
#include <stdio.h>

#include "post_body.h"

static const uint8_t KEY[16] = "aead-gcm-key-16b";
static const uint8_t NONCE[12] = "aead-nonce12";

int main(int argc, char **argv) {
    char json[512];
    int length = registration_json(argc, argv, json, sizeof json);
    if (length < 0) return 64;
    EVP_AEAD_CTX ctx;
    if (!EVP_AEAD_CTX_init(&ctx, EVP_aead_aes_128_gcm(), KEY, sizeof KEY, EVP_AEAD_DEFAULT_TAG_LENGTH, NULL))
        return 4;
    uint8_t sealed[600], opened[600];
    size_t sealed_length = 0, opened_length = 0;
    if (!EVP_AEAD_CTX_seal(&ctx, sealed, &sealed_length, sizeof sealed, NONCE, sizeof NONCE,
                           (const uint8_t *)json, length, NULL, 0)
        || !EVP_AEAD_CTX_open(&ctx, opened, &opened_length, sizeof opened, NONCE, sizeof NONCE,
                              sealed, sealed_length, NULL, 0)
        || opened_length != (size_t)length)
        return 5;
    EVP_AEAD_CTX_cleanup(&ctx);

    return post_body(argv[1], argv[2], sealed, (int)sealed_length, "");
}
