/*
 * The physical limit of a hot reload on this machine, for comparison with the
 * framework: wait on inotify for a library renamed into a directory, copy it to
 * a unique shadow file, dlopen it (RTLD_NOW | RTLD_LOCAL), call its version()
 * and dlclose the previous one. Prints "ready" once watching, then one line per
 * reload: "<CLOCK_MONOTONIC ns when served> <version>". Exits on stdin EOF.
 *
 *   baseline <watched-dir> <file-name> <shadow-dir>
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    struct stat st;
    if (fstat(in, &st) != 0) { close(in); return -1; }
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    if (out < 0) { close(in); return -1; }
    off_t offset = 0;
    while (offset < st.st_size) {
        if (sendfile(out, in, &offset, (size_t) (st.st_size - offset)) <= 0) break;
    }
    close(in);
    close(out);
    return offset == st.st_size ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s <watched-dir> <file-name> <shadow-dir>\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1], *name = argv[2], *shadow = argv[3];
    int fd = inotify_init1(IN_CLOEXEC);
    if (fd < 0 || inotify_add_watch(fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
        perror("inotify");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);

    char buffer[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    char source[4096], copy[4096];
    void *current = NULL;
    long serial = 0;
    struct pollfd fds[2] = {{fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) continue;
        if (fds[1].revents) {
            char b;
            if (read(STDIN_FILENO, &b, 1) <= 0) break;
        }
        if (!(fds[0].revents & POLLIN)) continue;
        ssize_t length = read(fd, buffer, sizeof buffer);
        int changed = 0;
        for (char *p = buffer; p < buffer + length;) {
            struct inotify_event *event = (struct inotify_event *) p;
            if (event->len > 0 && strcmp(event->name, name) == 0) changed = 1;
            p += sizeof(struct inotify_event) + event->len;
        }
        if (!changed) continue;
        snprintf(source, sizeof source, "%s/%s", dir, name);
        snprintf(copy, sizeof copy, "%s/baseline-%d-%ld-%s", shadow, getpid(), ++serial, name);
        if (copy_file(source, copy) != 0) { perror("copy"); continue; }
        void *next = dlopen(copy, RTLD_NOW | RTLD_LOCAL);
        unlink(copy);
        if (next == NULL) { fprintf(stderr, "dlopen: %s\n", dlerror()); continue; }
        int (*version)(void) = (int (*)(void)) dlsym(next, "version");
        int served = version ? version() : -1;
        long long at = now_ns();
        if (current) dlclose(current);
        current = next;
        printf("%lld %d\n", at, served);
        fflush(stdout);
    }
    if (current) dlclose(current);
    return 0;
}
