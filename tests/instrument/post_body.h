/* The test clients' body and their one request: POST `body` to IP:PORT over plain HTTP as the SDK's device registration, print
 * the response's status line (and `suffix`). Returns 0, or the exit code of what failed. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The body every client seals: the SDK's device registration with the planted clipboard (argv[3]) in it.
 * Returns its length, or -1 after printing the usage when the arguments are not IP PORT CLIPBOARD. */
static int registration_json(int argc, char **argv, char *json, size_t size) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s IP PORT CLIPBOARD\n", argv[0]);
        return -1;
    }
    return snprintf(json, size, "{\"openudid\":\"9a3c1f7e5b2d4e60\",\"clipboard\":\"%s\"}", argv[3]);
}

static int post_body(const char *ip, const char *port, const unsigned char *body, int length, const char *suffix) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(port))};
    inet_pton(AF_INET, ip, &address.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("connect");
        return 3;
    }
    char head[256];
    int head_length = snprintf(head, sizeof head,
                               "POST /service/2/device_register/ HTTP/1.1\r\nHost: ib.snssdk.com\r\n"
                               "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n"
                               "Connection: close\r\n\r\n", length);
    if (write(fd, head, head_length) != head_length || write(fd, body, length) != length) return 6;
    char answer[256] = {0};
    if (read(fd, answer, sizeof answer - 1) <= 0) return 7;
    close(fd);
    printf("%s%s\n", strtok(answer, "\r"), suffix);
    return 0;
}
