{
  "targets": [
    {
      "target_name": "goon-probe-engine",
      "sources": ["native/engine.c"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-pthread", "-fvisibility=hidden"],
      "ldflags": ["-pthread"],
      "libraries": ["-lm"]
    }
  ]
}
