/* The floor under an isolated call: a one-byte round trip between two processes over two
 * pipes, nothing else. Compare with `echo/isolated/provider` in the echo bench.
 *
 *   cc -O2 crates/chauffeur-host/benches/pipe_pingpong.c -o /tmp/pipe_pingpong && /tmp/pipe_pingpong
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    int to_child[2], to_parent[2];
    char byte = 'x';
    const int rounds = 20000;
    if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
        perror("pipe");
        return 1;
    }
    if (fork() == 0) {
        for (int i = 0; i < rounds; i++) {
            if (read(to_child[0], &byte, 1) != 1 || write(to_parent[1], &byte, 1) != 1)
                return 1;
        }
        return 0;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < rounds; i++) {
        if (write(to_child[1], &byte, 1) != 1 || read(to_parent[0], &byte, 1) != 1) {
            perror("round trip");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("%.2f us per round trip\n", ns / rounds / 1000.0);
    return 0;
}
