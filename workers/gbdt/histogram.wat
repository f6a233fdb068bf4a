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
  ;; As buildFeatures, for rows scattered over the bin matrix (the deeper nodes'): 64 rows at a
  ;; time, their bins of features [f0, f1) and gradient pairs are first copied into this thread's
  ;; $scratch (64 * (roundUp16(f1 - f0) + 8) bytes), a loop of independent loads whose cache
  ;; misses overlap, then added from there. buildFeatures's prefetch touch would stall instead: its
  ;; loads must retire in order behind a whole row's adds. The same adds in the same row order (the
  ;; same sums). Dense rows (at least a third of the rows between the first and the last,
  ;; the root's all) go to buildFeatures: there the copy costs more than the misses it saves
  ;; (measured: 2x faster at 15% density, 10% slower at 50%). Reads up to 15 bytes past a row's
  ;; last feature (the matrix is followed by other data).
  (func (export "buildGathered") (param $bins i32) (param $F i32) (param $rows i32) (param $begin i32) (param $end i32) (param $gh i32) (param $hist i32) (param $f0 i32) (param $f1 i32) (param $scratch i32) (result i32)
    (local $n i32) (local $F4 i32) (local $stride i32) (local $ghs i32) (local $p i32) (local $pEnd i32) (local $chunkEnd i32)
    (local $q i32) (local $dst i32) (local $g i32) (local $src i32) (local $k i32) (local $r i32)
    (local $rowBase i32) (local $f i32) (local $h i32) (local $w i32) (local $a i32) (local $v v128)
    (if (i32.le_u (local.get $end) (local.get $begin)) (then (return (i32.const 0))))
    ;; rows ascend within a node: (count - 1) * 3 >= last - first means dense
    (if (i32.ge_u
          (i32.mul (i32.sub (i32.sub (local.get $end) (local.get $begin)) (i32.const 1)) (i32.const 3))
          (i32.sub (i32.load (i32.add (local.get $rows) (i32.shl (i32.sub (local.get $end) (i32.const 1)) (i32.const 2))))
                   (i32.load (i32.add (local.get $rows) (i32.shl (local.get $begin) (i32.const 2))))))
      (then (return (call $buildFeatures (local.get $bins) (local.get $F) (local.get $rows) (local.get $begin) (local.get $end) (local.get $gh) (local.get $hist) (local.get $f0) (local.get $f1)))))
    (local.set $n (i32.sub (local.get $f1) (local.get $f0)))
    (local.set $F4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $stride (i32.and (i32.add (local.get $n) (i32.const 15)) (i32.const -16)))
    (local.set $ghs (i32.add (local.get $scratch) (i32.shl (local.get $stride) (i32.const 6))))
    (local.set $p (i32.add (local.get $rows) (i32.shl (local.get $begin) (i32.const 2))))
    (local.set $pEnd (i32.add (local.get $rows) (i32.shl (local.get $end) (i32.const 2))))
    (block $done
      (loop $chunkLoop
        (br_if $done (i32.ge_u (local.get $p) (local.get $pEnd)))
        (local.set $chunkEnd (select (i32.add (local.get $p) (i32.const 256)) (local.get $pEnd)
          (i32.lt_u (i32.add (local.get $p) (i32.const 256)) (local.get $pEnd))))
        ;; Gather the chunk's rows.
        (local.set $q (local.get $p))
        (local.set $dst (local.get $scratch))
        (local.set $g (local.get $ghs))
        (block $gathered
          (loop $gatherLoop
            (br_if $gathered (i32.ge_u (local.get $q) (local.get $chunkEnd)))
            (local.set $r (i32.load (local.get $q)))
            (local.set $src (i32.add (i32.add (local.get $bins) (local.get $f0)) (i32.mul (local.get $r) (local.get $F))))
            (local.set $k (i32.const 0))
            (loop $copyLoop
              (v128.store (i32.add (local.get $dst) (local.get $k)) (v128.load (i32.add (local.get $src) (local.get $k))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $copyLoop (i32.lt_u (local.get $k) (local.get $stride))))
            (i64.store (local.get $g) (i64.load (i32.add (local.get $gh) (i32.shl (local.get $r) (i32.const 3)))))
            (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
            (local.set $g (i32.add (local.get $g) (i32.const 8)))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br $gatherLoop)))
        ;; Add them, in row order.
        (local.set $rowBase (local.get $scratch))
        (local.set $g (local.get $ghs))
        (local.set $q (local.get $p))
        (block $added
          (loop $rowLoop
            (br_if $added (i32.ge_u (local.get $q) (local.get $chunkEnd)))
            (local.set $v (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $g))))
            (local.set $f (i32.const 0))
            (local.set $h (i32.add (local.get $hist) (i32.mul (local.get $f0) (i32.const 4224))))
            (block $quadDone
              (loop $quadLoop
                (br_if $quadDone (i32.ge_u (local.get $f) (local.get $F4)))
                (local.set $w (i32.load (i32.add (local.get $rowBase) (local.get $f))))
                (local.set $a (i32.add (local.get $h) (i32.and (i32.shl (local.get $w) (i32.const 4)) (i32.const 4080))))
                (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
                (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $w) (i32.const 4)) (i32.const 4080))))
                (v128.store offset=4224 (local.get $a) (f64x2.add (v128.load offset=4224 (local.get $a)) (local.get $v)))
                (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $w) (i32.const 12)) (i32.const 4080))))
                (v128.store offset=8448 (local.get $a) (f64x2.add (v128.load offset=8448 (local.get $a)) (local.get $v)))
                (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $w) (i32.const 20)) (i32.const 4080))))
                (v128.store offset=12672 (local.get $a) (f64x2.add (v128.load offset=12672 (local.get $a)) (local.get $v)))
                (local.set $f (i32.add (local.get $f) (i32.const 4)))
                (local.set $h (i32.add (local.get $h) (i32.const 16896)))
                (br $quadLoop)))
            (block $tailDone
              (loop $tailLoop
                (br_if $tailDone (i32.ge_u (local.get $f) (local.get $n)))
                (local.set $a (i32.add (local.get $h) (i32.shl (i32.load8_u (i32.add (local.get $rowBase) (local.get $f))) (i32.const 4))))
                (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
                (local.set $f (i32.add (local.get $f) (i32.const 1)))
                (local.set $h (i32.add (local.get $h) (i32.const 4224)))
                (br $tailLoop)))
            (local.set $rowBase (i32.add (local.get $rowBase) (local.get $stride)))
            (local.set $g (i32.add (local.get $g) (i32.const 8)))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br $rowLoop)))
        (local.set $p (local.get $chunkEnd))
        (br $chunkLoop)))
    (i32.const 0))
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
  ;; binary:logistic gradient pairs of rows [begin, end) from the sigmoid table ($table: 4097 u32),
  ;; sigmoid-table.ts's spec step by step (float32 ops are IEEE single ops, none fused): the same
  ;; bits as logisticGradientRange. $w: float32 scale_pos_weight (positive labels; a product with
  ;; 1 is exact, so no branch). With $start = 1 also rows[r] = r (a new tree over every row) and
  ;; the float64 sums of the pairs in row order (sumGradientRange's) into $sums[0], $sums[1].
  (func (export "gradientsTable") (param $margins i32) (param $labels i32) (param $table i32) (param $gh i32) (param $begin i32) (param $end i32) (param $w f32) (param $start i32) (param $rows i32) (param $sums i32)
    (local $i i32) (local $m f32) (local $x f32) (local $k i32) (local $q i32) (local $t i32) (local $lo i32) (local $pq i32)
    (local $p f32) (local $y f32) (local $g f32) (local $h f32) (local $G f64) (local $H f64) (local $wy f32)
    (local $mv v128) (local $xv v128) (local $kv v128) (local $qv v128) (local $lov v128) (local $hiv v128) (local $pv v128) (local $yv v128) (local $wv v128) (local $gv v128) (local $hv v128)
    (local.set $i (local.get $begin))
    ;; Four rows at a time in SIMD (the table read lane by lane), then the rest one by one.
    (block $quadsDone
      (loop $quadLoop
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $end)))
        (local.set $mv (v128.load (i32.add (local.get $margins) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $mv (v128.bitselect
          (v128.bitselect (local.get $mv) (v128.const f32x4 15.9921875 15.9921875 15.9921875 15.9921875) (f32x4.le (local.get $mv) (v128.const f32x4 15.9921875 15.9921875 15.9921875 15.9921875)))
          (v128.const f32x4 -16 -16 -16 -16)
          (f32x4.ge (local.get $mv) (v128.const f32x4 -16 -16 -16 -16))))
        (local.set $xv (f32x4.mul (f32x4.add (local.get $mv) (v128.const f32x4 16 16 16 16)) (v128.const f32x4 128 128 128 128)))
        (local.set $kv (i32x4.trunc_sat_f32x4_u (local.get $xv)))
        (local.set $qv (i32x4.trunc_sat_f32x4_u (f32x4.mul (f32x4.sub (local.get $xv) (f32x4.convert_i32x4_u (local.get $kv))) (v128.const f32x4 65536 65536 65536 65536))))
        (local.set $t (i32.add (local.get $table) (i32.shl (i32x4.extract_lane 0 (local.get $kv)) (i32.const 2))))
        (local.set $lov (v128.load32_lane 0 (local.get $t) (local.get $lov)))
        (local.set $hiv (v128.load32_lane offset=4 0 (local.get $t) (local.get $hiv)))
        (local.set $t (i32.add (local.get $table) (i32.shl (i32x4.extract_lane 1 (local.get $kv)) (i32.const 2))))
        (local.set $lov (v128.load32_lane 1 (local.get $t) (local.get $lov)))
        (local.set $hiv (v128.load32_lane offset=4 1 (local.get $t) (local.get $hiv)))
        (local.set $t (i32.add (local.get $table) (i32.shl (i32x4.extract_lane 2 (local.get $kv)) (i32.const 2))))
        (local.set $lov (v128.load32_lane 2 (local.get $t) (local.get $lov)))
        (local.set $hiv (v128.load32_lane offset=4 2 (local.get $t) (local.get $hiv)))
        (local.set $t (i32.add (local.get $table) (i32.shl (i32x4.extract_lane 3 (local.get $kv)) (i32.const 2))))
        (local.set $lov (v128.load32_lane 3 (local.get $t) (local.get $lov)))
        (local.set $hiv (v128.load32_lane offset=4 3 (local.get $t) (local.get $hiv)))
        (local.set $pv (f32x4.mul
          (f32x4.convert_i32x4_u (i32x4.add (local.get $lov) (i32x4.shr_u (i32x4.mul (i32x4.sub (local.get $hiv) (local.get $lov)) (local.get $qv)) (i32.const 16))))
          (v128.const f32x4 0x1p-24 0x1p-24 0x1p-24 0x1p-24)))
        (local.set $yv (v128.load (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $wv (v128.bitselect (f32x4.splat (local.get $w)) (v128.const f32x4 1 1 1 1) (f32x4.gt (local.get $yv) (v128.const f32x4 0.5 0.5 0.5 0.5))))
        (local.set $gv (f32x4.mul (f32x4.sub (local.get $pv) (local.get $yv)) (local.get $wv)))
        (local.set $hv (f32x4.mul (local.get $pv) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $pv))))
        (local.set $hv (f32x4.mul (f32x4.floor (f32x4.mul (local.get $hv) (v128.const f32x4 0x1p32 0x1p32 0x1p32 0x1p32))) (v128.const f32x4 0x1p-32 0x1p-32 0x1p-32 0x1p-32)))
        (local.set $hv (f32x4.mul (f32x4.max (local.get $hv) (v128.const f32x4 1e-16 1e-16 1e-16 1e-16)) (local.get $wv)))
        (local.set $t (i32.add (local.get $gh) (i32.shl (local.get $i) (i32.const 3))))
        (v128.store (local.get $t) (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $gv) (local.get $hv)))
        (v128.store offset=16 (local.get $t) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $gv) (local.get $hv)))
        (if (local.get $start)
          (then
            (v128.store (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))
              (i32x4.add (i32x4.splat (local.get $i)) (v128.const i32x4 0 1 2 3)))
            (local.set $G (f64.add (local.get $G) (f64.promote_f32 (f32x4.extract_lane 0 (local.get $gv)))))
            (local.set $H (f64.add (local.get $H) (f64.promote_f32 (f32x4.extract_lane 0 (local.get $hv)))))
            (local.set $G (f64.add (local.get $G) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $gv)))))
            (local.set $H (f64.add (local.get $H) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $hv)))))
            (local.set $G (f64.add (local.get $G) (f64.promote_f32 (f32x4.extract_lane 2 (local.get $gv)))))
            (local.set $H (f64.add (local.get $H) (f64.promote_f32 (f32x4.extract_lane 2 (local.get $hv)))))
            (local.set $G (f64.add (local.get $G) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $gv)))))
            (local.set $H (f64.add (local.get $H) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $hv)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $quadLoop)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $m (f32.load (i32.add (local.get $margins) (i32.shl (local.get $i) (i32.const 2)))))
        ;; mc = m >= -16 ? (m <= 16 - 2^-7 ? m : 16 - 2^-7) : -16 (NaN: -16)
        (local.set $m (select
          (select (local.get $m) (f32.const 15.9921875) (f32.le (local.get $m) (f32.const 15.9921875)))
          (f32.const -16)
          (f32.ge (local.get $m) (f32.const -16))))
        (local.set $x (f32.mul (f32.add (local.get $m) (f32.const 16)) (f32.const 128)))
        (local.set $k (i32.trunc_f32_u (local.get $x)))
        (local.set $q (i32.trunc_f32_u (f32.mul (f32.sub (local.get $x) (f32.convert_i32_u (local.get $k))) (f32.const 65536))))
        (local.set $t (i32.add (local.get $table) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $lo (i32.load (local.get $t)))
        (local.set $pq (i32.add (local.get $lo) (i32.shr_u (i32.mul (i32.sub (i32.load offset=4 (local.get $t)) (local.get $lo)) (local.get $q)) (i32.const 16))))
        (local.set $p (f32.mul (f32.convert_i32_u (local.get $pq)) (f32.const 0x1p-24)))
        (local.set $y (f32.load (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $g (f32.sub (local.get $p) (local.get $y)))
        (local.set $h (f32.mul (local.get $p) (f32.sub (f32.const 1) (local.get $p))))
        (local.set $h (f32.mul (f32.floor (f32.mul (local.get $h) (f32.const 0x1p32))) (f32.const 0x1p-32)))
        (local.set $h (f32.max (local.get $h) (f32.const 1e-16)))
        (local.set $wy (select (local.get $w) (f32.const 1) (f32.gt (local.get $y) (f32.const 0.5))))
        (local.set $g (f32.mul (local.get $g) (local.get $wy)))
        (local.set $h (f32.mul (local.get $h) (local.get $wy)))
        (f32.store (i32.add (local.get $gh) (i32.shl (local.get $i) (i32.const 3))) (local.get $g))
        (f32.store offset=4 (i32.add (local.get $gh) (i32.shl (local.get $i) (i32.const 3))) (local.get $h))
        (if (local.get $start)
          (then
            (i32.store (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2))) (local.get $i))
            (local.set $G (f64.add (local.get $G) (f64.promote_f32 (local.get $g))))
            (local.set $H (f64.add (local.get $H) (f64.promote_f32 (local.get $h))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowLoop)))
    (if (local.get $start)
      (then
        (f64.store (local.get $sums) (local.get $G))
        (f64.store offset=8 (local.get $sums) (local.get $H)))))
  ;; dst[k] += src[k] (f64) for $bytes bytes (a multiple of 16), two at a time: the same adds
  ;; as a JS loop over the elements (a node's block sums, parallel-histogram.ts's splits step).
  (func (export "addBins") (param $dst i32) (param $src i32) (param $bytes i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (local.get $bytes)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (f64x2.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $l))))
  ;; dst[k] -= src[k] (f64) for $bytes bytes (a multiple of 16): a parent's histogram becomes
  ;; the larger child's.
  (func (export "subtractBins") (param $dst i32) (param $src i32) (param $bytes i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (local.get $bytes)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (f64x2.sub (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $l))))
  ;; split.ts bestSplitOfFeatures for alpha = 0 and max_delta_step = 0 (the defaults), the same
  ;; float64 operations in the same order, so the same result bits: for each feature of
  ;; features[fi0, fi1) (i32 at $features), each bin b < nb - 1 (nb at $binCounts[f]) tries
  ;; "bins <= b left" with missing values sent right, then sent left (when the feature has
  ;; missing values), and finally "all present values left, missing right"; a strictly larger gain
  ;; wins. Both directions of a bin share one f64x2 division pair (half the divisions, which bound
  ;; the loop). The histogram of feature f starts at $hist + f * $strideBytes: (G, H) pairs, the
  ;; missing bin's at byte 4080. Writes gain, left G, left H and the packed code at $out (f64 x 4).
  (func (export "bestSplit") (param $hist i32) (param $strideBytes i32) (param $features i32) (param $fi0 i32) (param $fi1 i32) (param $binCounts i32)
    (param $G f64) (param $H f64) (param $lambda f64) (param $mcw f64) (param $out i32)
    (local $fi i32) (local $f i32) (local $fb i32) (local $nb i32) (local $p i32) (local $end i32) (local $code i32) (local $bestCode i32) (local $has i32)
    (local $parent f64) (local $best f64) (local $bestG f64) (local $bestH f64) (local $gm f64) (local $hm f64) (local $gl f64) (local $hl f64)
    (local $g f64) (local $h f64) (local $hr f64) (local $gl2 f64) (local $hl2 f64) (local $gain f64)
    (local $glv v128) (local $hlv v128) (local $grv v128) (local $hrv v128) (local $gains v128) (local $lamv v128)
    (local.set $bestCode (i32.const -1))
    (local.set $lamv (f64x2.splat (local.get $lambda)))
    ;; parentGain = H < mcw || H <= 0 ? 0 : G * G / (H + lambda)
    (local.set $parent (select (f64.const 0) (f64.div (f64.mul (local.get $G) (local.get $G)) (f64.add (local.get $H) (local.get $lambda)))
      (i32.or (f64.lt (local.get $H) (local.get $mcw)) (f64.le (local.get $H) (f64.const 0)))))
    (local.set $fi (local.get $fi0))
    (block $featuresDone
      (loop $featureLoop
        (br_if $featuresDone (i32.ge_s (local.get $fi) (local.get $fi1)))
        (local.set $f (i32.load (i32.add (local.get $features) (i32.shl (local.get $fi) (i32.const 2)))))
        (local.set $fb (i32.add (local.get $hist) (i32.mul (local.get $f) (local.get $strideBytes))))
        (local.set $nb (i32.load (i32.add (local.get $binCounts) (i32.shl (local.get $f) (i32.const 2)))))
        (local.set $gm (f64.load offset=4080 (local.get $fb)))
        (local.set $hm (f64.load offset=4088 (local.get $fb)))
        (local.set $has (f64.gt (local.get $hm) (f64.const 0)))
        (local.set $gl (f64.const 0))
        (local.set $hl (f64.const 0))
        (local.set $p (local.get $fb))
        (local.set $end (i32.add (local.get $fb) (i32.shl (i32.sub (local.get $nb) (i32.const 1)) (i32.const 4))))
        (local.set $code (i32.shl (local.get $f) (i32.const 9)))
        (block $binsDone
          (loop $binLoop
            (br_if $binsDone (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $g (f64.load (local.get $p)))
            (local.set $h (f64.load offset=8 (local.get $p)))
            ;; An empty bin past the first leaves the sums as they were: its candidates cannot win.
            (if (i32.eqz (i32.and (i32.and (f64.eq (local.get $h) (f64.const 0)) (i32.ne (local.get $p) (local.get $fb))) (f64.eq (local.get $g) (f64.const 0))))
              (then
                (local.set $gl (f64.add (local.get $gl) (local.get $g)))
                (local.set $hl (f64.add (local.get $hl) (local.get $h)))
                ;; lane 0: missing right (gl, hl); lane 1: missing left (gl + gm, hl + hm)
                (local.set $gl2 (f64.add (local.get $gl) (local.get $gm)))
                (local.set $hl2 (f64.add (local.get $hl) (local.get $hm)))
                (local.set $glv (f64x2.replace_lane 1 (f64x2.splat (local.get $gl)) (local.get $gl2)))
                (local.set $hlv (f64x2.replace_lane 1 (f64x2.splat (local.get $hl)) (local.get $hl2)))
                (local.set $hrv (f64x2.sub (f64x2.splat (local.get $H)) (local.get $hlv)))
                (local.set $grv (f64x2.sub (f64x2.splat (local.get $G)) (local.get $glv)))
                (local.set $gains (f64x2.sub
                  (f64x2.add
                    (f64x2.div (f64x2.mul (local.get $glv) (local.get $glv)) (f64x2.add (local.get $hlv) (local.get $lamv)))
                    (f64x2.div (f64x2.mul (local.get $grv) (local.get $grv)) (f64x2.add (local.get $hrv) (local.get $lamv))))
                  (f64x2.splat (local.get $parent))))
                (local.set $hr (f64x2.extract_lane 0 (local.get $hrv)))
                (if (i32.and (i32.and (f64.ge (local.get $hl) (local.get $mcw)) (f64.ge (local.get $hr) (local.get $mcw)))
                             (i32.and (f64.gt (local.get $hl) (f64.const 0)) (f64.gt (local.get $hr) (f64.const 0))))
                  (then
                    (local.set $gain (f64x2.extract_lane 0 (local.get $gains)))
                    (if (f64.gt (local.get $gain) (local.get $best))
                      (then
                        (local.set $best (local.get $gain))
                        (local.set $bestCode (local.get $code))
                        (local.set $bestG (local.get $gl))
                        (local.set $bestH (local.get $hl))))))
                (if (local.get $has)
                  (then
                    (local.set $hr (f64x2.extract_lane 1 (local.get $hrv)))
                    (if (i32.and (i32.and (f64.ge (local.get $hl2) (local.get $mcw)) (f64.ge (local.get $hr) (local.get $mcw)))
                                 (i32.and (f64.gt (local.get $hl2) (f64.const 0)) (f64.gt (local.get $hr) (f64.const 0))))
                      (then
                        (local.set $gain (f64x2.extract_lane 1 (local.get $gains)))
                        (if (f64.gt (local.get $gain) (local.get $best))
                          (then
                            (local.set $best (local.get $gain))
                            (local.set $bestCode (i32.add (local.get $code) (i32.const 1)))
                            (local.set $bestG (local.get $gl2))
                            (local.set $bestH (local.get $hl2))))))))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $code (i32.add (local.get $code) (i32.const 2)))
            (br $binLoop)))
        ;; All present values left, missing right (a split on missingness).
        (if (i32.and (local.get $has) (i32.ge_s (local.get $nb) (i32.const 1)))
          (then
            (local.set $gl2 (f64.sub (local.get $G) (local.get $gm)))
            (local.set $hl2 (f64.sub (local.get $H) (local.get $hm)))
            (if (i32.and (i32.and (f64.ge (local.get $hl2) (local.get $mcw)) (f64.ge (local.get $hm) (local.get $mcw))) (f64.gt (local.get $hl2) (f64.const 0)))
              (then
                (local.set $gain (f64.sub
                  (f64.add (f64.div (f64.mul (local.get $gl2) (local.get $gl2)) (f64.add (local.get $hl2) (local.get $lambda)))
                           (f64.div (f64.mul (local.get $gm) (local.get $gm)) (f64.add (local.get $hm) (local.get $lambda))))
                  (local.get $parent)))
                (if (f64.gt (local.get $gain) (local.get $best))
                  (then
                    (local.set $best (local.get $gain))
                    (local.set $bestCode (i32.add (i32.shl (local.get $f) (i32.const 9)) (i32.shl (i32.sub (local.get $nb) (i32.const 1)) (i32.const 1))))
                    (local.set $bestG (local.get $gl2))
                    (local.set $bestH (local.get $hl2))))))))
        (local.set $fi (i32.add (local.get $fi) (i32.const 1)))
        (br $featureLoop)))
    (f64.store (local.get $out) (local.get $best))
    (f64.store offset=8 (local.get $out) (local.get $bestG))
    (f64.store offset=16 (local.get $out) (local.get $bestH))
    (f64.store offset=24 (local.get $out) (f64.convert_i32_s (local.get $bestCode))))
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
