/* File I/O in a directory given as argv[1]: stdio and POSIX calls, directories, rename, unlink. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: fileio DIR\n"); return 2; }
  if (chdir(argv[1]) != 0) { perror("chdir"); return 1; }
  FILE *f = fopen("lines.txt", "w");
  for (int i = 0; i < 1000; i++) fprintf(f, "line %d value %d\n", i, i * i % 9973);
  fclose(f);
  f = fopen("lines.txt", "r"); char line[128]; long total = 0; int count = 0;
  while (fgets(line, sizeof line, f)) { int a, b; if (sscanf(line, "line %d value %d", &a, &b) == 2) { total += b; count++; } }
  printf("read %d lines total=%ld\n", count, total);
  fseek(f, 0, SEEK_END); printf("size=%ld\n", ftell(f));
  fseek(f, 100, SEEK_SET); printf("at 100: %.20s\n", fgets(line, sizeof line, f)); fclose(f);
  int fd = open("raw.bin", O_CREAT | O_TRUNC | O_RDWR, 0644);
  unsigned char buf[65536]; for (unsigned i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 13 + 7);
  ssize_t w = write(fd, buf, sizeof buf);
  off_t end = lseek(fd, 0, SEEK_CUR); lseek(fd, 1000, SEEK_SET);
  unsigned char back[16]; ssize_t r = read(fd, back, sizeof back);
  printf("write=%zd end=%lld read=%zd byte=%d\n", w, (long long)end, r, back[3]);
  ssize_t pr = pread(fd, back, 4, 65530); printf("pread=%zd last=%d\n", pr, back[3]);
  ftruncate(fd, 4096); struct stat st; fstat(fd, &st); printf("after ftruncate size=%lld regular=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  close(fd);
  mkdir("sub", 0755); mkdir("sub/deeper", 0700);
  for (int i = 0; i < 12; i++) { char name[64]; snprintf(name, sizeof name, "sub/f%02d.dat", (i * 7) % 12); f = fopen(name, "wb"); fwrite(name, 1, strlen(name) * (i + 1) % 50, f); fclose(f); }
  printf("rename=%d\n", rename("sub/f03.dat", "sub/renamed.dat"));
  printf("unlink=%d unlink missing=%d\n", unlink("sub/f04.dat"), unlink("sub/nope"));
  DIR *dir = opendir("sub"); struct dirent *e; char *names[64]; int n = 0;
  while ((e = readdir(dir)) != NULL) names[n++] = strdup(e->d_name);
  closedir(dir); qsort(names, n, sizeof *names, cmp);
  for (int i = 0; i < n; i++) {
    char path[300]; snprintf(path, sizeof path, "sub/%s", names[i]); stat(path, &st);
    printf("%-14s %s size=%lld\n", names[i], S_ISDIR(st.st_mode) ? "dir " : "file", S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
    if (!S_ISDIR(st.st_mode)) unlink(path);
    free(names[i]);
  }
  printf("rmdir=%d rmdir nonempty=%d\n", rmdir("sub/deeper"), rmdir(".") == 0);
  rmdir("sub"); unlink("lines.txt"); unlink("raw.bin");
  printf("access after cleanup=%d\n", access("lines.txt", F_OK));
  return 0;
}
