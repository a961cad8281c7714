// Decode+route benchmark: to be written by the routing work (placeholder so fanout_bench links).
