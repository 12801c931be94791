// Shared by the coordinate-wise kernels (prepended to coord_optim, lopt_input and lopt_update): the trainable
// coordinates of a per-task weight buffer, two ranges, as coordCount and coordWeight in src/layout/coord_map.ts
// count and map them. The kernel's Params starts with o0, n0, o1, n1: coordinate c < n0 is weight o0 + c,
// the rest weight o1 + c − n0.

fn coordCount() -> u32 {
  return p.n0 + p.n1;
}

fn weightIndex(c: u32) -> u32 {
  return select(p.o1 + c - p.n0, p.o0 + c, c < p.n0);
}
