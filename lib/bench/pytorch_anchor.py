#!/usr/bin/python3
"""PyTorch anchor for `deno task bench`: the official CycleGAN training iteration, timed here.

Issue #8 compares the native backend with "the PyTorch anchor measured on the same machine".
`../shared/reference/perf-anchor.md` was measured on another machine (Sapphire Rapids, AVX-512),
so this script re-measures it on whatever machine runs it. The networks, GAN loss, image pool,
Adam settings and the order of `optimize_parameters` are written here from the layer-by-layer
description in `../shared/reference/official-cyclegan.md` (official repository, commit 2a7afba):

- ResnetGenerator (resnet_6blocks / resnet_9blocks), UnetGenerator (unet_128 / unet_256),
  NLayerDiscriminator (basic, n_layers=3); instance norm without affine parameters, conv biases
  on (use_bias), no dropout (the cycle_gan model turns it off), weights N(0, 0.02).
- lsgan (MSE) or vanilla (BCE with logits) GAN loss, ImagePool(50), Adam(2e-4, (0.5, 0.999)),
  lambda_A = lambda_B = 10, identity 0.5 (or 0).
- One iteration = forward, G step with the Ds frozen (identity, GAN, cycle losses), then D step
  for D_A and D_B on pooled fakes with loss * 0.5.

Random tensors in [-1, 1], batch 1, seeds fixed. Seconds per full iteration: median/min/max of 5
after 2 warm-up iterations (the perf-anchor.md protocol). Each config runs in a fresh
subprocess, so the peak RSS (getrusage ru_maxrss) is per config. The machine may be shared:
each iteration starts only when other processes use at most --max-busy cores (a 2-second
/proc/stat sample, ours subtracted; waiting up to --max-wait s), and an iteration during which
they used more is redone (up to --max-attempts), so the statistics come from undisturbed
iterations; every attempt, the load averages before and after each config, and the cores other
processes used are kept in the JSON.

Rerun (Debian/Ubuntu; PyPI not needed):

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 lib/bench/pytorch_anchor.py --out results/bench/reference-pytorch-<cpu>.json

`deno task bench --iterations` runs this script as a child process in `--serve CONFIG` mode and
alternates its iterations with its own (lib/bench/same_run.ts): that same-run ratio is the one to
quote. The JSON files this script writes are history: a machine's speed moves from one day to the
next, so they are labelled with their date and machine and never divided by.

Use the system Python (`/usr/bin/python3`) where pyenv or a venv shadows `python3`: Debian's
torch is installed for the system interpreter only. Options: `--threads 2` (torch threads; the
anchor uses 2), `--also-1-thread` (every config again with 1 torch and 1 OpenBLAS thread),
`--only NAME` (repeatable), `--params-only`, `--max-busy`, `--max-wait`, `--max-attempts`.
Without `--out` the JSON goes to results/bench/reference-pytorch-<cpu model>-<cores>c.json.
Check that the BLAS is OpenBLAS (the script records it): Debian's reference BLAS is 3-6x
slower and is not the anchor.
"""

import argparse
import ctypes
import datetime
import itertools
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import time

# ---------------------------------------------------------------------------------------------
# Configurations (names match lib/bench/iteration.ts where the same row exists)
# ---------------------------------------------------------------------------------------------

CONFIGS = [
    dict(name="resnet_9blocks 256px", netG="resnet_9blocks", size=256, ngf=64, ndf=64,
         gan_mode="lsgan", lambda_identity=0.5, pool_size=50),
    dict(name="resnet_6blocks 128px", netG="resnet_6blocks", size=128, ngf=64, ndf=64,
         gan_mode="lsgan", lambda_identity=0.5, pool_size=50),
    dict(name="unet_128 128px", netG="unet_128", size=128, ngf=64, ndf=64,
         gan_mode="lsgan", lambda_identity=0.5, pool_size=50),
    dict(name="resnet_6blocks 64px", netG="resnet_6blocks", size=64, ngf=64, ndf=64,
         gan_mode="lsgan", lambda_identity=0.5, pool_size=50),
    dict(name="resnet_6blocks 32px ngf32", netG="resnet_6blocks", size=32, ngf=32, ndf=32,
         gan_mode="lsgan", lambda_identity=0.5, pool_size=50),
    dict(name="resnet_6blocks 64px vanilla idt0", netG="resnet_6blocks", size=64, ngf=64, ndf=64,
         gan_mode="vanilla", lambda_identity=0.0, pool_size=50),
]

# perf-anchor.md (Sapphire Rapids, 2 vCPU, AVX-512), seconds per iteration, for comparison.
PERF_ANCHOR_MD = {
    "resnet_9blocks 256px": dict(median_s=7.78, min_s=7.59, max_s=8.26),
    "resnet_6blocks 128px": dict(median_s=1.71, min_s=1.53, max_s=1.72),
    "unet_128 128px": dict(median_s=2.35, min_s=2.16, max_s=2.91),
    "resnet_6blocks 64px": dict(median_s=0.747, min_s=0.722, max_s=0.874),
    "resnet_6blocks 32px ngf32": dict(median_s=0.172, min_s=0.148, max_s=0.501),
    "resnet_6blocks 64px vanilla idt0": dict(median_s=0.447, min_s=0.432, max_s=0.526),
}

# Parameter counts printed by the official code (official-cyclegan.md 1.10, perf-anchor.md).
EXPECTED_PARAMS = {
    "resnet_9blocks": 11378179,
    "resnet_6blocks": 7837699,
    "unet_256": 54409603,
    "unet_128": 41825667,
    "basic": 2764737,
}

WARMUP = 2
TIMED = 5


# ---------------------------------------------------------------------------------------------
# Machine information and load (no torch needed)
# ---------------------------------------------------------------------------------------------

def loadavg():
    with open("/proc/loadavg") as f:
        a = f.read().split()
    return [float(a[0]), float(a[1]), float(a[2])]


def uptime_line():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return None


def cpu_jiffies():
    """(busy, total) seconds summed over all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    v = [int(x) for x in parts]
    # user nice system idle iowait irq softirq steal guest guest_nice; guest is inside user.
    idle = v[3] + v[4]
    total = sum(v[:8])
    hz = os.sysconf("SC_CLK_TCK")
    return (total - idle) / hz, total / hz


def own_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def foreign_cores(seconds):
    """Cores kept busy by other processes over a `seconds` sample (ours subtracted)."""
    b0, _ = cpu_jiffies()
    c0 = own_cpu()
    time.sleep(seconds)
    b1, _ = cpu_jiffies()
    c1 = own_cpu()
    return max(0.0, (b1 - b0) - (c1 - c0)) / seconds


def wait_quiet(max_busy, max_wait, sample_s, log=None):
    """Sample until other processes use at most `max_busy` cores (or `max_wait` s pass)."""
    start = time.time()
    while True:
        busy = foreign_cores(sample_s)
        waited = time.time() - start
        if busy <= max_busy or waited >= max_wait:
            return {"waited_s": round(waited, 1), "quiet": busy <= max_busy,
                    "foreign_cores_sample": round(busy, 2), "loadavg": loadavg()}
        if log and int(waited) % 30 < sample_s:
            log(f"  busy machine (other processes {busy:.2f} cores, load {loadavg()[0]:.2f}):"
                f" waiting {waited:.0f}/{max_wait:.0f} s")


def lscpu():
    out = {}
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True,
                              env={**os.environ, "LC_ALL": "C"}).stdout
        for line in text.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                out[k.strip()] = v.strip()
    except OSError:
        pass
    return out


def machine_info():
    info = lscpu()
    flags = set(info.get("Flags", "").split())
    mem_kb = None
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "cpu_model": info.get("Model name"),
        "vendor": info.get("Vendor ID"),
        "cpus": os.cpu_count(),
        "threads_per_core": info.get("Thread(s) per core"),
        "hypervisor": info.get("Hypervisor vendor"),
        "l2": info.get("L2 cache"),
        "l3": info.get("L3 cache"),
        "bogomips": info.get("BogoMIPS"),
        "flags": {k: (k in flags) for k in ["avx", "avx2", "fma", "avx512f", "avx512_bf16",
                                               "avx512_vnni", "amx_tile"]},
        "memory_gib": round(mem_kb / 1048576, 1) if mem_kb else None,
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
    }


def dpkg_version(pkg):
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                           text=True)
        return r.stdout.strip() or None
    except OSError:
        return None


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------------------------------------
# BLAS / oneDNN introspection (inside a process that has imported torch)
# ---------------------------------------------------------------------------------------------

def loaded_libs():
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            if p.startswith("/") and re.search(r"(blas|lapack|dnnl|gomp|mkl)", p):
                libs.add(p)
    return sorted(libs)


def openblas_info():
    """Version/core/threads of the OpenBLAS loaded in this process, or None if not OpenBLAS."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0", mode=ctypes.RTLD_GLOBAL)
    except OSError:
        return None
    out = {}
    for fn, restype in [("openblas_get_config", ctypes.c_char_p),
                        ("openblas_get_corename", ctypes.c_char_p),
                        ("openblas_get_num_threads", ctypes.c_int),
                        ("openblas_get_parallel", ctypes.c_int)]:
        try:
            f = getattr(lib, fn)
            f.restype = restype
            v = f()
            out[fn.replace("openblas_get_", "")] = v.decode() if isinstance(v, bytes) else v
        except AttributeError:
            pass
    return out


def dnnl_version():
    try:
        lib = ctypes.CDLL("libdnnl.so.2")
    except OSError:
        return None

    class V(ctypes.Structure):
        _fields_ = [("major", ctypes.c_int), ("minor", ctypes.c_int), ("patch", ctypes.c_int),
                    ("hash", ctypes.c_char_p), ("cpu_runtime", ctypes.c_uint),
                    ("gpu_runtime", ctypes.c_uint)]

    f = lib.dnnl_version
    f.restype = ctypes.POINTER(V)
    v = f().contents
    return f"{v.major}.{v.minor}.{v.patch}"


def blas_alternative():
    p = "/usr/lib/x86_64-linux-gnu/libblas.so.3"
    return os.path.realpath(p) if os.path.exists(p) else None


def torch_info(torch):
    show = torch.__config__.show()
    m = re.search(r"MKL-DNN v([0-9.]+)", show)
    cap = re.search(r"CPU capability usage: (\S+)", show)
    blas = re.search(r"BLAS_INFO=([^,]+)", show)
    return {
        "torch_version": torch.__version__,
        "python3_torch_deb": dpkg_version("python3-torch"),
        "onednn_torch_reports": m.group(1) if m else None,
        "onednn_library": dnnl_version(),
        "mkldnn_enabled": bool(torch.backends.mkldnn.is_available()
                               and torch.backends.mkldnn.enabled),
        "cpu_capability": cap.group(1) if cap else None,
        "blas_info_build": blas.group(1) if blas else None,
        "libblas_so3": blas_alternative(),
        "openblas": openblas_info(),
        "openblas_deb": dpkg_version("libopenblas0-pthread"),
        "loaded_libs": loaded_libs(),
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "parallel_backend": (re.search(r"ATen parallel backend: (\S+)",
                                       torch.__config__.parallel_info()) or [None, None])[1],
    }


# ---------------------------------------------------------------------------------------------
# The official networks, written from official-cyclegan.md 1.2-1.6
# ---------------------------------------------------------------------------------------------

def build_models(torch):
    nn = torch.nn

    def norm_layer(c):
        return nn.InstanceNorm2d(c, affine=False, track_running_stats=False)

    use_bias = True  # instance norm => conv layers carry a bias

    class ResnetBlock(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.conv_block = nn.Sequential(
                nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=use_bias),
                norm_layer(dim), nn.ReLU(True),
                nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=use_bias),
                norm_layer(dim))

        def forward(self, x):
            return x + self.conv_block(x)

    class ResnetGenerator(nn.Module):
        def __init__(self, input_nc, output_nc, ngf, n_blocks):
            super().__init__()
            layers = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, padding=0, bias=use_bias),
                      norm_layer(ngf), nn.ReLU(True)]
            for i in range(2):
                mult = 2 ** i
                layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1,
                                     bias=use_bias),
                           norm_layer(ngf * mult * 2), nn.ReLU(True)]
            for _ in range(n_blocks):
                layers += [ResnetBlock(ngf * 4)]
            for i in range(2):
                mult = 2 ** (2 - i)
                layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1,
                                              output_padding=1, bias=use_bias),
                           norm_layer(ngf * mult // 2), nn.ReLU(True)]
            layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
            self.model = nn.Sequential(*layers)

        def forward(self, x):
            return self.model(x)

    class UnetSkipConnectionBlock(nn.Module):
        def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False,
                     innermost=False):
            super().__init__()
            self.outermost = outermost
            if input_nc is None:
                input_nc = outer_nc
            downconv = nn.Conv2d(input_nc, inner_nc, 4, stride=2, padding=1, bias=use_bias)
            downrelu = nn.LeakyReLU(0.2, True)
            downnorm = norm_layer(inner_nc)
            uprelu = nn.ReLU(True)
            upnorm = norm_layer(outer_nc)
            if outermost:
                upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, stride=2, padding=1)
                model = [downconv, submodule, uprelu, upconv, nn.Tanh()]
            elif innermost:
                upconv = nn.ConvTranspose2d(inner_nc, outer_nc, 4, stride=2, padding=1,
                                            bias=use_bias)
                model = [downrelu, downconv, uprelu, upconv, upnorm]
            else:
                upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, stride=2, padding=1,
                                            bias=use_bias)
                # no dropout: the cycle_gan model sets no_dropout
                model = [downrelu, downconv, downnorm, submodule, uprelu, upconv, upnorm]
            self.model = nn.Sequential(*model)

        def forward(self, x):
            if self.outermost:
                return self.model(x)
            # As the official code: the in-place LeakyReLU at the start of self.model also
            # rewrites x, so the skip carries LeakyReLU(x).
            return torch.cat([x, self.model(x)], 1)

    class UnetGenerator(nn.Module):
        def __init__(self, input_nc, output_nc, num_downs, ngf):
            super().__init__()
            block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, innermost=True)
            for _ in range(num_downs - 5):
                block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block)
            block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block)
            block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block)
            block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block)
            self.model = UnetSkipConnectionBlock(output_nc, ngf, input_nc=input_nc,
                                                 submodule=block, outermost=True)

        def forward(self, x):
            return self.model(x)

    class NLayerDiscriminator(nn.Module):
        def __init__(self, input_nc, ndf, n_layers=3):
            super().__init__()
            kw, padw = 4, 1
            seq = [nn.Conv2d(input_nc, ndf, kw, stride=2, padding=padw), nn.LeakyReLU(0.2, True)]
            nf_mult = 1
            for n in range(1, n_layers):
                prev, nf_mult = nf_mult, min(2 ** n, 8)
                seq += [nn.Conv2d(ndf * prev, ndf * nf_mult, kw, stride=2, padding=padw,
                                  bias=use_bias),
                        norm_layer(ndf * nf_mult), nn.LeakyReLU(0.2, True)]
            prev, nf_mult = nf_mult, min(2 ** n_layers, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * nf_mult, kw, stride=1, padding=padw,
                              bias=use_bias),
                    norm_layer(ndf * nf_mult), nn.LeakyReLU(0.2, True)]
            seq += [nn.Conv2d(ndf * nf_mult, 1, kw, stride=1, padding=padw)]
            self.model = nn.Sequential(*seq)

        def forward(self, x):
            return self.model(x)

    def init_weights(net, gain=0.02):
        def f(m):
            name = m.__class__.__name__
            if hasattr(m, "weight") and ("Conv" in name or "Linear" in name):
                nn.init.normal_(m.weight.data, 0.0, gain)
                if getattr(m, "bias", None) is not None:
                    nn.init.constant_(m.bias.data, 0.0)
            elif "BatchNorm2d" in name:
                nn.init.normal_(m.weight.data, 1.0, gain)
                nn.init.constant_(m.bias.data, 0.0)
        net.apply(f)
        return net

    def define_G(netG, ngf, input_nc=3, output_nc=3):
        if netG == "resnet_9blocks":
            net = ResnetGenerator(input_nc, output_nc, ngf, 9)
        elif netG == "resnet_6blocks":
            net = ResnetGenerator(input_nc, output_nc, ngf, 6)
        elif netG == "unet_128":
            net = UnetGenerator(input_nc, output_nc, 7, ngf)
        elif netG == "unet_256":
            net = UnetGenerator(input_nc, output_nc, 8, ngf)
        else:
            raise ValueError(f"unknown netG {netG}")
        return init_weights(net)

    def define_D(ndf, input_nc=3):
        return init_weights(NLayerDiscriminator(input_nc, ndf, 3))

    return define_G, define_D


class GANLoss:
    """lsgan: MSE against 1/0 targets; vanilla: BCE with logits (D has no sigmoid)."""

    def __init__(self, torch, mode):
        self.torch = torch
        if mode == "lsgan":
            self.loss = torch.nn.MSELoss()
        elif mode == "vanilla":
            self.loss = torch.nn.BCEWithLogitsLoss()
        else:
            raise ValueError(f"gan_mode {mode} not benchmarked")
        self.real_label = torch.tensor(1.0)
        self.fake_label = torch.tensor(0.0)

    def __call__(self, prediction, target_is_real):
        target = (self.real_label if target_is_real else self.fake_label).expand_as(prediction)
        return self.loss(prediction, target)


class ImagePool:
    """History of generated images (official-cyclegan.md 1.5); uses Python's `random`."""

    def __init__(self, torch, pool_size):
        self.torch = torch
        self.pool_size = pool_size
        self.images = []

    def query(self, images):
        torch = self.torch
        if self.pool_size == 0:
            return images
        out = []
        for image in images:
            image = torch.unsqueeze(image.data, 0)
            if len(self.images) < self.pool_size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                i = random.randint(0, self.pool_size - 1)
                tmp = self.images[i].clone()
                self.images[i] = image
                out.append(tmp)
            else:
                out.append(image)
        return torch.cat(out, 0)


class CycleGAN:
    """The official cycle_gan model's training step, without data loading or logging."""

    def __init__(self, torch, cfg, lambda_A=10.0, lambda_B=10.0, lr=2e-4, beta1=0.5):
        define_G, define_D = build_models(torch)
        self.torch = torch
        self.netG_A = define_G(cfg["netG"], cfg["ngf"])
        self.netG_B = define_G(cfg["netG"], cfg["ngf"])
        self.netD_A = define_D(cfg["ndf"])
        self.netD_B = define_D(cfg["ndf"])
        self.lambda_A, self.lambda_B = lambda_A, lambda_B
        self.lambda_idt = cfg["lambda_identity"]
        self.fake_A_pool = ImagePool(torch, cfg["pool_size"])
        self.fake_B_pool = ImagePool(torch, cfg["pool_size"])
        self.criterionGAN = GANLoss(torch, cfg["gan_mode"])
        self.criterionCycle = torch.nn.L1Loss()
        self.criterionIdt = torch.nn.L1Loss()
        self.optimizer_G = torch.optim.Adam(
            itertools.chain(self.netG_A.parameters(), self.netG_B.parameters()), lr=lr,
            betas=(beta1, 0.999))
        self.optimizer_D = torch.optim.Adam(
            itertools.chain(self.netD_A.parameters(), self.netD_B.parameters()), lr=lr,
            betas=(beta1, 0.999))
        for net in (self.netG_A, self.netG_B, self.netD_A, self.netD_B):
            net.train()

    def set_input(self, real_A, real_B):
        self.real_A, self.real_B = real_A, real_B

    def forward(self):
        self.fake_B = self.netG_A(self.real_A)
        self.rec_A = self.netG_B(self.fake_B)
        self.fake_A = self.netG_B(self.real_B)
        self.rec_B = self.netG_A(self.fake_A)

    @staticmethod
    def set_requires_grad(nets, flag):
        for net in nets:
            for p in net.parameters():
                p.requires_grad = flag

    def backward_D_basic(self, netD, real, fake):
        loss_D_real = self.criterionGAN(netD(real), True)
        loss_D_fake = self.criterionGAN(netD(fake.detach()), False)
        loss_D = (loss_D_real + loss_D_fake) * 0.5
        loss_D.backward()
        return loss_D

    def backward_D_A(self):
        fake_B = self.fake_B_pool.query(self.fake_B)
        self.loss_D_A = self.backward_D_basic(self.netD_A, self.real_B, fake_B)

    def backward_D_B(self):
        fake_A = self.fake_A_pool.query(self.fake_A)
        self.loss_D_B = self.backward_D_basic(self.netD_B, self.real_A, fake_A)

    def backward_G(self):
        lambda_idt, lambda_A, lambda_B = self.lambda_idt, self.lambda_A, self.lambda_B
        if lambda_idt > 0:
            self.idt_A = self.netG_A(self.real_B)
            self.loss_idt_A = self.criterionIdt(self.idt_A, self.real_B) * lambda_B * lambda_idt
            self.idt_B = self.netG_B(self.real_A)
            self.loss_idt_B = self.criterionIdt(self.idt_B, self.real_A) * lambda_A * lambda_idt
        else:
            self.loss_idt_A = 0
            self.loss_idt_B = 0
        self.loss_G_A = self.criterionGAN(self.netD_A(self.fake_B), True)
        self.loss_G_B = self.criterionGAN(self.netD_B(self.fake_A), True)
        self.loss_cycle_A = self.criterionCycle(self.rec_A, self.real_A) * lambda_A
        self.loss_cycle_B = self.criterionCycle(self.rec_B, self.real_B) * lambda_B
        self.loss_G = (self.loss_G_A + self.loss_G_B + self.loss_cycle_A + self.loss_cycle_B
                       + self.loss_idt_A + self.loss_idt_B)
        self.loss_G.backward()

    def optimize_parameters(self):
        self.forward()
        self.set_requires_grad([self.netD_A, self.netD_B], False)
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()
        self.set_requires_grad([self.netD_A, self.netD_B], True)
        self.optimizer_D.zero_grad()
        self.backward_D_A()
        self.backward_D_B()
        self.optimizer_D.step()

    def losses(self):
        def f(v):
            return float(v) if not hasattr(v, "item") else float(v.item())
        return {k: f(getattr(self, "loss_" + k)) for k in
                ["D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"]}


def count_params(net):
    return sum(p.numel() for p in net.parameters())


def forward_flops(torch, net, size, channels=3):
    """2 x multiply-adds of the conv / transposed-conv layers for one forward pass, batch 1."""
    total = [0]

    def hook(m, inp, out):
        kh, kw = m.kernel_size
        if isinstance(m, torch.nn.ConvTranspose2d):
            total[0] += 2 * inp[0].numel() * m.out_channels // m.groups * kh * kw
        else:
            total[0] += 2 * out.numel() * m.in_channels // m.groups * kh * kw

    hs = [m.register_forward_hook(hook) for m in net.modules()
          if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    with torch.no_grad():
        net(torch.zeros(1, channels, size, size))
    for h in hs:
        h.remove()
    return total[0]


# ---------------------------------------------------------------------------------------------
# Child modes: one config, or the parameter-count check
# ---------------------------------------------------------------------------------------------

def import_torch(threads):
    try:
        import torch
    except ImportError:
        sys.exit("torch not importable by " + sys.executable + ": apt-get install python3-torch"
                 " and run with /usr/bin/python3")
    torch.set_num_threads(threads)
    return torch


def run_params(threads):
    torch = import_torch(threads)
    define_G, define_D = build_models(torch)
    counts = {}
    for name in ["resnet_9blocks", "resnet_6blocks", "unet_256", "unet_128"]:
        counts[name] = count_params(define_G(name, 64))
    counts["basic"] = count_params(define_D(64))
    flops = {
        "resnet_9blocks 256px": forward_flops(torch, define_G("resnet_9blocks", 64), 256),
        "resnet_6blocks 128px": forward_flops(torch, define_G("resnet_6blocks", 64), 128),
        "resnet_6blocks 64px": forward_flops(torch, define_G("resnet_6blocks", 64), 64),
        "resnet_6blocks 32px ngf32": forward_flops(torch, define_G("resnet_6blocks", 32), 32),
        "unet_128 128px": forward_flops(torch, define_G("unet_128", 64), 128),
        "unet_256 256px": forward_flops(torch, define_G("unet_256", 64), 256),
        "basic 256px": forward_flops(torch, define_D(64), 256),
        "basic 128px": forward_flops(torch, define_D(64), 128),
        "basic 64px": forward_flops(torch, define_D(64), 64),
        "basic 32px ndf32": forward_flops(torch, define_D(32), 32),
    }
    print(json.dumps({"params": counts, "forward_gflops": {k: v / 1e9 for k, v in flops.items()}}))


def timed_model(torch, cfg, seed):
    """The seeded model of one config and a function that times one full iteration of it on
    fresh random inputs (seconds, our CPU seconds, and the cores other processes kept busy)."""
    random.seed(seed)
    torch.manual_seed(seed)
    model = CycleGAN(torch, cfg)
    size = cfg["size"]
    gen = torch.Generator().manual_seed(seed + 1)

    def one_iteration():
        real_A = torch.rand(1, 3, size, size, generator=gen) * 2 - 1
        real_B = torch.rand(1, 3, size, size, generator=gen) * 2 - 1
        model.set_input(real_A, real_B)
        b0, _ = cpu_jiffies()
        c0 = own_cpu()
        t0 = time.perf_counter()
        model.optimize_parameters()
        t1 = time.perf_counter()
        b1, _ = cpu_jiffies()
        own = own_cpu() - c0
        # busy CPU time of the machine that was not ours, in cores (jiffies: 10 ms resolution)
        return {"s": t1 - t0, "cpu_s": own, "foreign_cores": max(0.0, (b1 - b0) - own) / (t1 - t0),
                "loadavg": loadavg()}

    return model, one_iteration


def blas_in_use():
    """The BLAS library this process loaded, and whether it is Debian's reference BLAS (which
    runs PyTorch 1.13's batch-1 convolutions 2.5-7.6x slower and is not the anchor)."""
    libs = [p for p in loaded_libs() if re.search(r"lib(open)?blas", p)]
    reference = any("/blas/libblas.so" in p for p in libs) and not any("openblas" in p for p in libs)
    return {"libraries": libs, "reference_blas": reference}


def serve_config(cfg, threads, seed):
    """The same-run mode of `deno task bench --iterations`: build one config, print one JSON line
    ({"ready": ...}), then time one iteration per `step` line read from stdin and print it as a
    JSON line; `quit` (or end of input) prints the peak RSS and exits. No quiet-machine gate:
    the bench alternates PyTorch's iterations with its own, so that drift in the machine's load
    hits both sides alike, and records the load beside the ratio."""
    torch = import_torch(threads)
    blas = blas_in_use()
    if blas["reference_blas"]:
        sys.exit(f"PyTorch loaded the reference BLAS ({', '.join(blas['libraries'])}); the anchor"
                 " is PyTorch + OpenBLAS: apt-get install libopenblas0-pthread")
    model, one_iteration = timed_model(torch, cfg, seed)
    info = torch_info(torch)
    print(json.dumps({"ready": True, "config": cfg["name"], "threads": threads,
                      "blas": blas["libraries"], "torch_version": info["torch_version"],
                      "openblas": info["openblas"], "torch_threads": info["torch_threads"],
                      "params": {"G": count_params(model.netG_A), "D": count_params(model.netD_A)}}),
          flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        if command != "step":
            sys.exit(f"unknown command {command!r}: expected step or quit")
        print(json.dumps(one_iteration()), flush=True)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_rss_mb": peak_kb / 1024}), flush=True)


def run_config(cfg, threads, seed, gate):
    """Time one config. Each timed iteration starts when other processes use at most
    gate["max_busy"] cores (waiting up to gate["max_wait"] s); an iteration during which they
    used more is redone, up to gate["max_attempts"] timed iterations in all, so that the
    median/min/max come from undisturbed iterations wherever the machine allowed it."""
    torch = import_torch(threads)
    model, one_iteration = timed_model(torch, cfg, seed)
    size = cfg["size"]
    g_fwd = forward_flops(torch, model.netG_A, size)
    d_fwd = forward_flops(torch, model.netD_A, size)
    n_g = 6 if cfg["lambda_identity"] > 0 else 4
    n_d = 6
    train_flops = 3 * (n_g * g_fwd + n_d * d_fwd)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    warmup = []
    for _ in range(WARMUP):
        warmup.append({"gate": wait_quiet(gate["max_busy"], gate["max_wait"], 2, log),
                       **one_iteration()})
    attempts = []
    while sum(a["accepted"] for a in attempts) < TIMED and len(attempts) < gate["max_attempts"]:
        g = wait_quiet(gate["max_busy"], gate["max_wait"], 2, log)
        it = one_iteration()
        it["gate"] = g
        it["accepted"] = it["foreign_cores"] <= gate["max_busy"]
        attempts.append(it)
        log(f"  iteration {it['s']:.3f} s, other processes {it['foreign_cores']:.2f} cores"
            f"{'' if it['accepted'] else ' (disturbed: redo)'}")
    chosen = [a for a in attempts if a["accepted"]]
    disturbed = len(chosen) < TIMED
    if disturbed:  # machine never quiet enough: fill with the least disturbed iterations
        rest = sorted((a for a in attempts if not a["accepted"]), key=lambda a: a["foreign_cores"])
        chosen += rest[:TIMED - len(chosen)]
    times = [a["s"] for a in chosen]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    med = statistics.median(times)
    out = {
        "config": cfg["name"],
        "settings": cfg,
        "threads": threads,
        "iterations": {"warmup": WARMUP, "timed": TIMED, "attempted": len(attempts)},
        "median_s": med,
        "min_s": min(times),
        "max_s": max(times),
        "times_s": times,
        "disturbed": disturbed,
        "foreign_cores_median": statistics.median(a["foreign_cores"] for a in chosen),
        "cpu_utilisation_cores": statistics.median(a["cpu_s"] / a["s"] for a in chosen),
        "load1_during": [a["loadavg"][0] for a in chosen],
        "peak_rss_mb": peak_kb / 1024,
        "forward_gflops": {"G": g_fwd / 1e9, "D": d_fwd / 1e9, "G_passes": n_g, "D_passes": n_d},
        "gflops_per_s": train_flops / 1e9 / med,
        "params": {"G": count_params(model.netG_A), "D": count_params(model.netD_A)},
        "last_losses": model.losses(),
        "warmup_iterations": warmup,
        "all_iterations": attempts,
        "torch": torch_info(torch),
    }
    print(json.dumps(out))


# ---------------------------------------------------------------------------------------------
# Orchestrator
# ---------------------------------------------------------------------------------------------

def child(args_list, env_extra):
    env = {**os.environ, **env_extra}
    r = subprocess.run([sys.executable, os.path.abspath(__file__)] + args_list,
                       stdout=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"child {args_list} failed ({r.returncode})")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="JSON path (default results/bench/reference-pytorch-<cpu>.json)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (anchor: 2)")
    ap.add_argument("--also-1-thread", action="store_true",
                    help="also run every config with 1 torch thread and 1 OpenBLAS thread")
    ap.add_argument("--only", action="append", help="config name (repeatable)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-busy", type=float, default=0.25,
                    help="start an iteration only when other processes use at most this many"
                         " cores, and redo it if they used more while it ran")
    ap.add_argument("--max-wait", type=float, default=600,
                    help="seconds to wait for a quiet machine before each iteration")
    ap.add_argument("--max-attempts", type=int, default=15,
                    help="timed iterations at most per config (accepted + redone)")
    ap.add_argument("--params-only", action="store_true")
    ap.add_argument("--child-config", help=argparse.SUPPRESS)
    ap.add_argument("--child-params", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--serve", metavar="CONFIG",
                    help="same-run mode for `deno task bench`: build CONFIG, then time one"
                         " iteration per `step` line on stdin (JSON lines on stdout)")
    args = ap.parse_args()
    gate = {"max_busy": args.max_busy, "max_wait": args.max_wait,
            "max_attempts": args.max_attempts}

    if args.serve:
        cfg = next((c for c in CONFIGS if c["name"] == args.serve), None)
        if cfg is None:
            sys.exit(f"--serve {args.serve!r} is not a config; expected one of "
                     + ", ".join(c["name"] for c in CONFIGS))
        return serve_config(cfg, args.threads, args.seed)

    if args.child_params:
        return run_params(args.threads)
    if args.child_config:
        cfg = next(c for c in CONFIGS if c["name"] == args.child_config)
        return run_config(cfg, args.threads, args.seed, gate)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    machine = machine_info()
    log(f"machine: {machine['cpu_model']}, {machine['cpus']} CPUs, "
        f"avx2={machine['flags']['avx2']} avx512f={machine['flags']['avx512f']}")

    # The anchor is PyTorch + OpenBLAS (perf-anchor.md). Debian's python3-torch only pulls in
    # the reference BLAS (libblas3): with it PyTorch's im2col convolutions ("thnn", what 1.13
    # uses at batch 1 for most layers) run 2-4x slower, which would flatter every ratio.
    blas = blas_alternative() or ""
    if "/blas/libblas.so" in blas:
        sys.exit(f"libblas.so.3 is the reference BLAS ({blas}); the anchor is PyTorch + OpenBLAS:"
                 " apt-get install libopenblas0-pthread, then run again")

    p = child(["--child-params", "--threads", str(args.threads)], {})
    ok = True
    for k, expected in EXPECTED_PARAMS.items():
        got = p["params"][k]
        good = got == expected
        ok &= good
        log(f"params {k:16s} {got:>12,d}  expected {expected:>12,d}"
            f"  {'ok' if good else 'MISMATCH'}")
    for k, v in p["forward_gflops"].items():
        log(f"forward {k:26s} {v:7.3f} GFLOP")
    if not ok:
        sys.exit("parameter counts differ from the official code")
    if args.params_only:
        return

    out = args.out or os.path.join(
        "results", "bench",
        f"reference-pytorch-{slug(machine['cpu_model'] or 'cpu')}"
        f"{'-avx512' if machine['flags']['avx512f'] else ''}-{machine['cpus']}c.json")
    doc = {
        "what": "official PyTorch CycleGAN training iteration (G step + D step), re-measured on"
                " this machine by lib/bench/pytorch_anchor.py; random tensors, batch 1;"
                f" median/min/max of {TIMED} undisturbed iterations after {WARMUP} warm-up"
                " iterations, each config in a fresh process (peak RSS per config)",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([sys.executable] + sys.argv),
        "gate": gate,
        "machine": machine,
        "torch": None,
        "params": p["params"],
        "params_match_official": ok,
        "forward_gflops": p["forward_gflops"],
        "summary": [],
        "runs": [],
    }

    def save():
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
        with open(out, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")

    configs = [c for c in CONFIGS if not args.only or c["name"] in args.only]
    thread_list = [args.threads] + ([1] if args.also_1_thread and args.threads != 1 else [])
    for threads in thread_list:
        # torch.set_num_threads sets the OpenMP threads; OpenBLAS keeps its own pthread pool
        # (one thread per core by default, as in perf-anchor.md), so 1 thread pins it too.
        env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"} if threads == 1 else {}
        for cfg in configs:
            log(f"{cfg['name']} ({threads} thread{'s' if threads > 1 else ''})")
            before = {"loadavg": loadavg(), "uptime": uptime_line()}
            t0 = time.time()
            r = child(["--child-config", cfg["name"], "--threads", str(threads),
                       "--seed", str(args.seed), "--max-busy", str(args.max_busy),
                       "--max-wait", str(args.max_wait), "--max-attempts",
                       str(args.max_attempts)], env)
            wall = time.time() - t0
            after = {"loadavg": loadavg(), "uptime": uptime_line()}
            meta = r.pop("torch")
            if doc["torch"] is None:
                doc["torch"] = meta
            pa = PERF_ANCHOR_MD.get(cfg["name"])
            r.update({"env": env, "load_before": before, "load_after": after,
                      "subprocess_wall_s": round(wall, 1),
                      "torch_threads": meta["torch_threads"],
                      "openblas_threads": (meta.get("openblas") or {}).get("num_threads"),
                      "perf_anchor_md": pa,
                      "ratio_to_perf_anchor_md": r["median_s"] / pa["median_s"] if pa else None})
            doc["runs"].append(r)
            doc["summary"].append({
                "config": r["config"], "threads": threads,
                "openblas_threads": r["openblas_threads"],
                "median_s": round(r["median_s"], 3), "min_s": round(r["min_s"], 3),
                "max_s": round(r["max_s"], 3), "gflops_per_s": round(r["gflops_per_s"], 1),
                "peak_rss_mb": round(r["peak_rss_mb"]), "disturbed": r["disturbed"],
                "foreign_cores_median": round(r["foreign_cores_median"], 2),
                "load_before": before["loadavg"], "load_after": after["loadavg"],
                "ratio_to_perf_anchor_md": round(r["ratio_to_perf_anchor_md"], 2) if pa else None,
            })
            save()
            log(f"  median {r['median_s']:.3f} s (min {r['min_s']:.3f}, max {r['max_s']:.3f}),"
                f" {r['gflops_per_s']:.0f} GFLOP/s, peak RSS {r['peak_rss_mb']:.0f} MB,"
                f" cpu {r['cpu_utilisation_cores']:.2f} cores, other processes"
                f" {r['foreign_cores_median']:.2f} cores{' (DISTURBED)' if r['disturbed'] else ''},"
                f" load {before['loadavg'][0]:.2f} -> {after['loadavg'][0]:.2f}")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
