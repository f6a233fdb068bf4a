(module
  (memory (export "memory") 1)
  ;; Adds the gradient pairs of rows[begin, end) into hist[f * 528 + bin * 2] for every feature
  ;; f < F. bins: row-major u8 [row * F + f]; rows: u32; gh: f32 pairs; hist: f64 pairs, 16-byte
  ;; aligned. A feature's block is 4224 bytes, not 4096: with 4096 the low bins of all features
  ;; share address bits 0-11 and the CPU stalls on false store-to-load dependencies (4K
  ;; aliasing), 4-5x slower on low-cardinality features. Each (g, h) pair is one f64x2 add per
  ;; feature, four features per i32 load of bins; the adds are the same f64 adds in the same row
  ;; order as the JS kernel (bit-identical sums).
  (func (export "build") (param $bins i32) (param $F i32) (param $rows i32) (param $begin i32) (param $end i32) (param $gh i32) (param $hist i32) (result i32)
    (call $buildFeatures (local.get $bins) (local.get $F) (local.get $rows) (local.get $begin) (local.get $end) (local.get $gh) (local.get $hist) (i32.const 0) (local.get $F)))
  ;; As build, for features [f0, f1) only (other features' blocks are left as they are): threads
  ;; can share one block's features, each feature's sums being the same adds in the same order.
  (func $buildFeatures (export "buildFeatures") (param $bins i32) (param $F i32) (param $rows i32) (param $begin i32) (param $end i32) (param $gh i32) (param $hist i32) (param $f0 i32) (param $f1 i32) (result i32)
    (local $p i32) (local $ahead i32) (local $touch i32) (local $pEnd i32) (local $r i32) (local $rowBase i32) (local $f i32) (local $F4 i32)
    (local $h i32) (local $w i32) (local $a i32) (local $q v128) (local $n i32)
    (local.set $n (i32.sub (local.get $f1) (local.get $f0)))
    (local.set $F4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $p (i32.add (local.get $rows) (i32.shl (local.get $begin) (i32.const 2))))
    (local.set $pEnd (i32.add (local.get $rows) (i32.shl (local.get $end) (i32.const 2))))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $p) (local.get $pEnd)))
        (local.set $r (i32.load (local.get $p)))
        ;; Touch the bins and gradient pair of the row 16 places ahead: a software prefetch, as
        ;; WASM has none. Deeper nodes' rows are scattered and each would otherwise be a cache
        ;; miss taken one at a time; the loaded values feed the result so nothing drops the loads.
        (local.set $ahead (i32.add (local.get $p) (i32.const 64)))
        (local.set $ahead (i32.load (select (local.get $ahead) (local.get $p) (i32.lt_u (local.get $ahead) (local.get $pEnd)))))
        (local.set $touch (i32.xor (local.get $touch)
          (i32.add (i32.load8_u (i32.add (local.get $bins) (i32.mul (local.get $ahead) (local.get $F))))
                   (i32.load8_u (i32.add (local.get $gh) (i32.shl (local.get $ahead) (i32.const 3)))))))
        (local.set $q (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $gh) (i32.shl (local.get $r) (i32.const 3))))))
        (local.set $rowBase (i32.add (i32.add (local.get $bins) (local.get $f0)) (i32.mul (local.get $r) (local.get $F))))
        (local.set $f (i32.const 0))
        (local.set $h (i32.add (local.get $hist) (i32.mul (local.get $f0) (i32.const 4224))))
        (block $quadDone
          (loop $quadLoop
            (br_if $quadDone (i32.ge_u (local.get $f) (local.get $F4)))
            (local.set $w (i32.load (i32.add (local.get $rowBase) (local.get $f))))
            ;; byte k of w is the bin of feature f + k; its pair sits at h + k * 4224 + bin * 16
            (local.set $a (i32.add (local.get $h) (i32.and (i32.shl (local.get $w) (i32.const 4)) (i32.const 4080))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $q)))
            (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $w) (i32.const 4)) (i32.const 4080))))
            (v128.store offset=4224 (local.get $a) (f64x2.add (v128.load offset=4224 (local.get $a)) (local.get $q)))
            (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $w) (i32.const 12)) (i32.const 4080))))
            (v128.store offset=8448 (local.get $a) (f64x2.add (v128.load offset=8448 (local.get $a)) (local.get $q)))
            (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $w) (i32.const 20)) (i32.const 4080))))
            (v128.store offset=12672 (local.get $a) (f64x2.add (v128.load offset=12672 (local.get $a)) (local.get $q)))
            (local.set $f (i32.add (local.get $f) (i32.const 4)))
            (local.set $h (i32.add (local.get $h) (i32.const 16896)))
            (br $quadLoop)))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $f) (local.get $n)))
            (local.set $a (i32.add (local.get $h) (i32.shl (i32.load8_u (i32.add (local.get $rowBase) (local.get $f))) (i32.const 4))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $q)))
            (local.set $f (i32.add (local.get $f) (i32.const 1)))
            (local.set $h (i32.add (local.get $h) (i32.const 4224)))
            (br $tailLoop)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rowLoop)))
    (local.get $touch))
  ;; As build, for the features listed at $features (u32, $nf of them, ascending); other features'
  ;; blocks are left as they are (the caller zeroes them).
  (func (export "buildSubset") (param $bins i32) (param $F i32) (param $rows i32) (param $begin i32) (param $end i32) (param $gh i32) (param $hist i32) (param $features i32) (param $nf i32) (result i32)
    (local $p i32) (local $pEnd i32) (local $r i32) (local $rowBase i32) (local $k i32) (local $f i32) (local $a i32) (local $q v128)
    (local $ahead i32) (local $touch i32)
    (local.set $p (i32.add (local.get $rows) (i32.shl (local.get $begin) (i32.const 2))))
    (local.set $pEnd (i32.add (local.get $rows) (i32.shl (local.get $end) (i32.const 2))))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $p) (local.get $pEnd)))
        (local.set $r (i32.load (local.get $p)))
        (local.set $ahead (i32.add (local.get $p) (i32.const 64)))
        (local.set $ahead (i32.load (select (local.get $ahead) (local.get $p) (i32.lt_u (local.get $ahead) (local.get $pEnd)))))
        (local.set $touch (i32.xor (local.get $touch)
          (i32.add (i32.load8_u (i32.add (local.get $bins) (i32.mul (local.get $ahead) (local.get $F))))
                   (i32.load8_u (i32.add (local.get $gh) (i32.shl (local.get $ahead) (i32.const 3)))))))
        (local.set $q (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $gh) (i32.shl (local.get $r) (i32.const 3))))))
        (local.set $rowBase (i32.add (local.get $bins) (i32.mul (local.get $r) (local.get $F))))
        (local.set $k (i32.const 0))
        (block $fdone
          (loop $fLoop
            (br_if $fdone (i32.ge_u (local.get $k) (local.get $nf)))
            (local.set $f (i32.load (i32.add (local.get $features) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $a (i32.add (i32.add (local.get $hist) (i32.mul (local.get $f) (i32.const 4224)))
                                   (i32.shl (i32.load8_u (i32.add (local.get $rowBase) (local.get $f))) (i32.const 4))))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $q)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $fLoop)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rowLoop)))
    (local.get $touch))
  ;; binary:logistic gradient pairs of rows [begin, end) (an even count), two rows per step:
  ;; gh[2i] = f32((p - y) * w), gh[2i + 1] = f32(max(p * (1 - p), 1e-16) * w) with p = 1 / (1 + e),
  ;; e = exp(-margin) by fdlibm's algorithm (the one V8's Math.exp runs), w = scalePosWeight for
  ;; positive labels. The same f64 operations in the same order as objectives.ts's loop, so the
  ;; results are bit-identical; WASM never fuses a multiply and an add. Outside (-700, 700) the
  ;; loop calls Math.exp; there e is 0 or so large that p rounds the same as with e = 0 or +Inf.
  (func (export "gradientsLogistic") (param $margins i32) (param $labels i32) (param $gh i32) (param $begin i32) (param $end i32) (param $spw f64)
    (local $i i32) (local $x v128) (local $k v128) (local $ki v128) (local $hi v128) (local $lo v128) (local $r v128) (local $t v128)
    (local $c v128) (local $e v128) (local $p v128) (local $y v128) (local $w v128) (local $g v128) (local $h v128)
    (local.set $i (local.get $begin))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $x (f64x2.neg (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $margins) (i32.shl (local.get $i) (i32.const 2)))))))
        ;; k = (x * log2(e) + (x < 0 ? -0.5 : 0.5)) | 0
        (local.set $ki (i32x4.trunc_sat_f64x2_s_zero
          (f64x2.add (f64x2.mul (v128.const f64x2 1.4426950408889634 1.4426950408889634) (local.get $x))
                     (v128.bitselect (v128.const f64x2 -0.5 -0.5) (v128.const f64x2 0.5 0.5) (f64x2.lt (local.get $x) (v128.const f64x2 0 0))))))
        (local.set $k (f64x2.convert_low_i32x4_s (local.get $ki)))
        (local.set $hi (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (v128.const f64x2 6.9314718036912382e-1 6.9314718036912382e-1))))
        (local.set $lo (f64x2.mul (local.get $k) (v128.const f64x2 1.9082149292705877e-10 1.9082149292705877e-10)))
        (local.set $r (f64x2.sub (local.get $hi) (local.get $lo)))
        (local.set $t (f64x2.mul (local.get $r) (local.get $r)))
        ;; c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))))
        (local.set $c (f64x2.add (v128.const f64x2 -1.6533902205465252e-6 -1.6533902205465252e-6) (f64x2.mul (local.get $t) (v128.const f64x2 4.1381367970572385e-8 4.1381367970572385e-8))))
        (local.set $c (f64x2.add (v128.const f64x2 6.613756321437934e-5 6.613756321437934e-5) (f64x2.mul (local.get $t) (local.get $c))))
        (local.set $c (f64x2.add (v128.const f64x2 -2.7777777777015593e-3 -2.7777777777015593e-3) (f64x2.mul (local.get $t) (local.get $c))))
        (local.set $c (f64x2.add (v128.const f64x2 1.6666666666666602e-1 1.6666666666666602e-1) (f64x2.mul (local.get $t) (local.get $c))))
        (local.set $c (f64x2.sub (local.get $r) (f64x2.mul (local.get $t) (local.get $c))))
        ;; e = (1 - (lo - (r * c) / (2 - c) - hi)) * 2^k, 2^k built from its exponent bits
        (local.set $e (f64x2.mul
          (f64x2.sub (v128.const f64x2 1 1)
            (f64x2.sub (f64x2.sub (local.get $lo) (f64x2.div (f64x2.mul (local.get $r) (local.get $c)) (f64x2.sub (v128.const f64x2 2 2) (local.get $c)))) (local.get $hi)))
          (i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (local.get $ki)) (v128.const i64x2 1023 1023)) (i32.const 52))))
        (local.set $e (v128.bitselect (v128.const f64x2 inf inf) (local.get $e) (f64x2.ge (local.get $x) (v128.const f64x2 700 700))))
        (local.set $e (v128.bitselect (v128.const f64x2 0 0) (local.get $e) (f64x2.le (local.get $x) (v128.const f64x2 -700 -700))))
        (local.set $p (f64x2.div (v128.const f64x2 1 1) (f64x2.add (v128.const f64x2 1 1) (local.get $e))))
        (local.set $y (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $w (v128.bitselect (f64x2.splat (local.get $spw)) (v128.const f64x2 1 1) (f64x2.gt (local.get $y) (v128.const f64x2 0.5 0.5))))
        (local.set $g (f64x2.mul (f64x2.sub (local.get $p) (local.get $y)) (local.get $w)))
        (local.set $h (f64x2.mul (f64x2.max (f64x2.mul (local.get $p) (f64x2.sub (v128.const f64x2 1 1) (local.get $p))) (v128.const f64x2 1e-16 1e-16)) (local.get $w)))
        ;; [g0 h0 g1 h1] as float32
        (v128.store (i32.add (local.get $gh) (i32.shl (local.get $i) (i32.const 3)))
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $g)) (f32x4.demote_f64x2_zero (local.get $h))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $rows))))
  ;; Stable partition of rows[begin, end) (u32 at $src) by one feature's column of bins (u8 at
  ;; $col) into the same positions of $dst (which may be $src): bins <= $bin go left (the caller's
  ;; $bin is below the missing bin 255), the missing bin goes left when $defaultLeft is 1. Rows
  ;; going right pass through scratch[begin, ...) and are copied in after the lefts. Returns the
  ;; split point: row-ops.ts partitionRange, in WASM (with $src = $dst).
  (func (export "partition") (param $col i32) (param $src i32) (param $dst i32) (param $begin i32) (param $end i32) (param $bin i32) (param $defaultLeft i32) (param $scratch i32) (result i32)
    (local $p i32) (local $pEnd i32) (local $l i32) (local $r i32) (local $row i32) (local $b i32) (local $left i32)
    (local.set $p (i32.add (local.get $src) (i32.shl (local.get $begin) (i32.const 2))))
    (local.set $pEnd (i32.add (local.get $src) (i32.shl (local.get $end) (i32.const 2))))
    (local.set $l (i32.add (local.get $dst) (i32.shl (local.get $begin) (i32.const 2))))
    (local.set $r (i32.add (local.get $scratch) (i32.shl (local.get $begin) (i32.const 2))))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $p) (local.get $pEnd)))
        (local.set $row (i32.load (local.get $p)))
        (local.set $b (i32.load8_u (i32.add (local.get $col) (local.get $row))))
        (local.set $left (select (local.get $defaultLeft) (i32.le_u (local.get $b) (local.get $bin)) (i32.eq (local.get $b) (i32.const 255))))
        (i32.store (local.get $l) (local.get $row))
        (i32.store (local.get $r) (local.get $row))
        (local.set $l (i32.add (local.get $l) (i32.shl (local.get $left) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.shl (i32.xor (local.get $left) (i32.const 1)) (i32.const 2))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rowLoop)))
    (memory.copy (local.get $l) (i32.add (local.get $scratch) (i32.shl (local.get $begin) (i32.const 2)))
      (i32.sub (local.get $r) (i32.add (local.get $scratch) (i32.shl (local.get $begin) (i32.const 2)))))
    (i32.shr_u (i32.sub (local.get $l) (local.get $dst)) (i32.const 2)))
  ;; How many of rows[begin, end) go left (as partition decides).
  (func (export "countLeft") (param $col i32) (param $rows i32) (param $begin i32) (param $end i32) (param $bin i32) (param $defaultLeft i32) (result i32)
    (local $p i32) (local $pEnd i32) (local $b i32) (local $n i32)
    (local.set $p (i32.add (local.get $rows) (i32.shl (local.get $begin) (i32.const 2))))
    (local.set $pEnd (i32.add (local.get $rows) (i32.shl (local.get $end) (i32.const 2))))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $p) (local.get $pEnd)))
        (local.set $b (i32.load8_u (i32.add (local.get $col) (i32.load (local.get $p)))))
        (local.set $n (i32.add (local.get $n) (select (local.get $defaultLeft) (i32.le_u (local.get $b) (local.get $bin)) (i32.eq (local.get $b) (i32.const 255)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rowLoop)))
    (local.get $n))
  ;; One part of a partition spread over threads: the lefts of src[begin, end) in order to
  ;; dst[leftAt, ...), the rights in order to dst[rightAt, ...). One store per row, at its own side's
  ;; place: the places past this part's belong to other parts.
  (func (export "moveSides") (param $col i32) (param $src i32) (param $dst i32) (param $begin i32) (param $end i32) (param $bin i32) (param $defaultLeft i32) (param $leftAt i32) (param $rightAt i32)
    (local $p i32) (local $pEnd i32) (local $l i32) (local $r i32) (local $row i32) (local $b i32) (local $left i32)
    (local.set $p (i32.add (local.get $src) (i32.shl (local.get $begin) (i32.const 2))))
    (local.set $pEnd (i32.add (local.get $src) (i32.shl (local.get $end) (i32.const 2))))
    (local.set $l (i32.add (local.get $dst) (i32.shl (local.get $leftAt) (i32.const 2))))
    (local.set $r (i32.add (local.get $dst) (i32.shl (local.get $rightAt) (i32.const 2))))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $p) (local.get $pEnd)))
        (local.set $row (i32.load (local.get $p)))
        (local.set $b (i32.load8_u (i32.add (local.get $col) (local.get $row))))
        (local.set $left (select (local.get $defaultLeft) (i32.le_u (local.get $b) (local.get $bin)) (i32.eq (local.get $b) (i32.const 255))))
        (i32.store (select (local.get $l) (local.get $r) (local.get $left)) (local.get $row))
        (local.set $l (i32.add (local.get $l) (i32.shl (local.get $left) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.shl (i32.xor (local.get $left) (i32.const 1)) (i32.const 2))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rowLoop))))
  ;; margins[row] = f32(margins[row] + value) for rows[begin, end), value $leftValue or $rightValue
  ;; by the row's bin as in partition: row-ops.ts addLeavesRange for one output, in WASM (the same
  ;; f64 add rounded to f32).
  (func (export "addLeaves") (param $col i32) (param $rows i32) (param $begin i32) (param $end i32) (param $bin i32) (param $defaultLeft i32) (param $leftValue f64) (param $rightValue f64) (param $margins i32)
    (local $p i32) (local $pEnd i32) (local $row i32) (local $b i32) (local $a i32)
    (local.set $p (i32.add (local.get $rows) (i32.shl (local.get $begin) (i32.const 2))))
    (local.set $pEnd (i32.add (local.get $rows) (i32.shl (local.get $end) (i32.const 2))))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $p) (local.get $pEnd)))
        (local.set $row (i32.load (local.get $p)))
        (local.set $b (i32.load8_u (i32.add (local.get $col) (local.get $row))))
        (local.set $a (i32.add (local.get $margins) (i32.shl (local.get $row) (i32.const 2))))
        (f32.store (local.get $a) (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $a)))
          (select (local.get $leftValue) (local.get $rightValue)
            (select (local.get $defaultLeft) (i32.le_u (local.get $b) (local.get $bin)) (i32.eq (local.get $b) (i32.const 255)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rowLoop))))
)
