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
    (local $p i32) (local $ahead i32) (local $touch i32) (local $pEnd i32) (local $r i32) (local $rowBase i32) (local $f i32) (local $F4 i32)
    (local $h i32) (local $w i32) (local $a i32) (local $q v128)
    (local.set $F4 (i32.and (local.get $F) (i32.const -4)))
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
        (local.set $rowBase (i32.add (local.get $bins) (i32.mul (local.get $r) (local.get $F))))
        (local.set $f (i32.const 0))
        (local.set $h (local.get $hist))
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
            (br_if $tailDone (i32.ge_u (local.get $f) (local.get $F)))
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
)
