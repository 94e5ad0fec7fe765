/* A native client sealing its body with libcrypto's low-level AES (deprecated in OpenSSL 3, still exported, as
 * older app libraries use it): AES_set_encrypt_key, AES_cbc_encrypt over the JSON body (zero-padded to whole
 * blocks), AES_encrypt over one 16-byte token; POSTs the CBC ciphertext over plain HTTP.
 * usage: aes_client IP PORT CLIPBOARD   Prints the response's status line; exit 0 on an answer. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/aes.h>
#include <stdio.h>

#include "post_body.h"

static const unsigned char KEY[16] = "aes-low-level-k1";
static const unsigned char TOKEN[16] = "device-token-16b";

int main(int argc, char **argv) {
    unsigned char json[512] = {0};
    int length = registration_json(argc, argv, (char *)json, sizeof json);
    if (length < 0) return 64;
    int padded = (length + 15) / 16 * 16;
    AES_KEY key;
    if (AES_set_encrypt_key(KEY, 128, &key) != 0) return 4;
    unsigned char iv[16] = "aes-low-level-iv", sealed[512], token[16];
    AES_cbc_encrypt(json, sealed, padded, &key, iv, AES_ENCRYPT);
    AES_encrypt(TOKEN, token, &key);

    char suffix[8];
    snprintf(suffix, sizeof suffix, " %02x", token[0]);
    return post_body(argv[1], argv[2], sealed, padded, suffix);
}
