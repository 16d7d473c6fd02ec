// Prints the byte offset of every mjModel and mjData field that asyncrl's MuJoCo binding
// (bindings/mujoco) reads or writes, as the installed headers lay them out, one "struct.field offset"
// per line, then the headers' mjVERSION_HEADER and the linked library's mj_version(). MujocoLayoutTest
// compares these lines with the offsets the binding was written against.
#include <cstddef>
#include <cstdio>
#include <mujoco/mujoco.h>

#define M(field) std::printf("mjModel.%s %zu\n", #field, offsetof(mjModel, field))
#define D(field) std::printf("mjData.%s %zu\n", #field, offsetof(mjData, field))

int main() {
  M(nq); M(nv); M(nu); M(nbody); M(ngeom); M(nsite);
  std::printf("mjModel.opt.timestep %zu\n", offsetof(mjModel, opt) + offsetof(mjOption, timestep));
  M(qpos0); M(body_mass); M(geom_type); M(geom_size); M(geom_rgba); M(actuator_ctrlrange);
  D(time); D(qpos); D(qvel); D(ctrl); D(xpos); D(xquat); D(xipos); D(geom_xpos); D(geom_xmat);
  D(site_xpos); D(cinert); D(cvel); D(qfrc_actuator); D(qfrc_constraint); D(cfrc_ext);
  std::printf("sizeof.mjtNum %zu\n", sizeof(mjtNum));
  std::printf("enum.mjOBJ_BODY %d\nenum.mjOBJ_GEOM %d\nenum.mjOBJ_SITE %d\n", (int)mjOBJ_BODY, (int)mjOBJ_GEOM, (int)mjOBJ_SITE);
  std::printf("enum.mjGEOM_PLANE %d\nenum.mjGEOM_SPHERE %d\nenum.mjGEOM_CAPSULE %d\nenum.mjGEOM_ELLIPSOID %d\nenum.mjGEOM_CYLINDER %d\nenum.mjGEOM_BOX %d\n",
              (int)mjGEOM_PLANE, (int)mjGEOM_SPHERE, (int)mjGEOM_CAPSULE, (int)mjGEOM_ELLIPSOID, (int)mjGEOM_CYLINDER, (int)mjGEOM_BOX);
  std::printf("version.header %d\nversion.library %d\n", mjVERSION_HEADER, mj_version());
  return 0;
}
