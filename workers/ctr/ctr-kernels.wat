;; The CTR trainer's batch kernels (ctr-kernels.ts): sums over a batch's rows of per-slot vectors,
;; and DeepFM's first MLP layer computed once per distinct slot of the batch.
;;
;; A batch names each (row, field) cell by its distinct slot u (uid) and value v (vals). The FM part
;; sums v e_u per row (gatherSum) and, backwards, v g_b sums_b per slot (scatterSum). DeepFM's first
;; layer takes x_b = [v_b1 e_s1, ..., v_bF e_sF], so x_b W = sum_f v_bf (e_sf W_f), W_f being field
;; f's K rows of W: each distinct embedding is projected once (project) and the projections summed
;; per row (gatherSum); the backward products group the same way (scatterSum, outer, back). A batch
;; of 4096 Criteo-like rows holds ~10% distinct slots, so this is ~10x fewer multiply-adds than the
;; dense product.
;;
;; Layout: all pointers are byte offsets; rows that loops sweep are a multiple of 16 floats long (the
;; caller pads with zeros), so each loop keeps 16 floats in four v128 locals. Float32 throughout,
;; summed in a fixed order: same inputs, same bits.
(module
  (memory (export "memory") 1)

  ;; P[u,:] = sum_k Eu[u,k] * W[fieldOf[u]][k,:] for u < U, k < K. Eu's rows are Es floats apart; W's
  ;; field blocks are K rows of Hp floats.
  (func (export "project") (param $P i32) (param $Eu i32) (param $fieldOf i32) (param $W i32)
                           (param $U i32) (param $K i32) (param $Es i32) (param $Hp i32)
    (local $rowBytes i32) (local $blockBytes i32) (local $u i32) (local $out i32) (local $c i32)
    (local $block i32) (local $w i32) (local $e i32) (local $eEnd i32) (local $s v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $rowBytes (i32.shl (local.get $Hp) (i32.const 2)))
    (local.set $blockBytes (i32.mul (local.get $K) (local.get $rowBytes)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $u) (local.get $U)))
        (local.set $out (i32.add (local.get $P) (i32.mul (local.get $u) (local.get $rowBytes))))
        (local.set $block (i32.add (local.get $W)
          (i32.mul (i32.load (i32.add (local.get $fieldOf) (i32.shl (local.get $u) (i32.const 2)))) (local.get $blockBytes))))
        (local.set $eEnd (i32.add (i32.add (local.get $Eu) (i32.shl (i32.mul (local.get $u) (local.get $Es)) (i32.const 2)))
          (i32.shl (local.get $K) (i32.const 2))))
        (local.set $c (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $w (i32.add (local.get $block) (local.get $c)))
            (local.set $e (i32.sub (local.get $eEnd) (i32.shl (local.get $K) (i32.const 2))))
            (block $kDone
              (loop $ks
                (br_if $kDone (i32.ge_u (local.get $e) (local.get $eEnd)))
                (local.set $s (v128.load32_splat (local.get $e)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (v128.load offset=0 (local.get $w)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $w)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $w)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $w)))))
                (local.set $w (i32.add (local.get $w) (local.get $rowBytes)))
                (local.set $e (i32.add (local.get $e) (i32.const 4)))
                (br $ks)))
            (v128.store offset=0 (i32.add (local.get $out) (local.get $c)) (local.get $a0))
            (v128.store offset=16 (i32.add (local.get $out) (local.get $c)) (local.get $a1))
            (v128.store offset=32 (i32.add (local.get $out) (local.get $c)) (local.get $a2))
            (v128.store offset=48 (i32.add (local.get $out) (local.get $c)) (local.get $a3))
            (local.set $c (i32.add (local.get $c) (i32.const 64)))
            (br $cols)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $rows))))

  ;; Z[b,:] = bias + sum_f vals[b,f] * P[uid[b,f],:] for b < B (uid and vals are B x F, row-major).
  (func (export "gatherSum") (param $Z i32) (param $P i32) (param $uid i32) (param $vals i32) (param $bias i32)
                             (param $B i32) (param $F i32) (param $Hp i32)
    (local $rowBytes i32) (local $b i32) (local $out i32) (local $c i32) (local $i i32) (local $iEnd i32)
    (local $p i32) (local $s v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $rowBytes (i32.shl (local.get $Hp) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $b) (local.get $B)))
        (local.set $out (i32.add (local.get $Z) (i32.mul (local.get $b) (local.get $rowBytes))))
        (local.set $iEnd (i32.shl (i32.mul (i32.add (local.get $b) (i32.const 1)) (local.get $F)) (i32.const 2)))
        (local.set $c (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (local.set $a0 (v128.load offset=0 (i32.add (local.get $bias) (local.get $c))))
            (local.set $a1 (v128.load offset=16 (i32.add (local.get $bias) (local.get $c))))
            (local.set $a2 (v128.load offset=32 (i32.add (local.get $bias) (local.get $c))))
            (local.set $a3 (v128.load offset=48 (i32.add (local.get $bias) (local.get $c))))
            (local.set $i (i32.sub (local.get $iEnd) (i32.shl (local.get $F) (i32.const 2))))
            (block $fDone
              (loop $fs
                (br_if $fDone (i32.ge_u (local.get $i) (local.get $iEnd)))
                (local.set $s (v128.load32_splat (i32.add (local.get $vals) (local.get $i))))
                (local.set $p (i32.add (i32.add (local.get $P) (local.get $c))
                  (i32.mul (i32.load (i32.add (local.get $uid) (local.get $i))) (local.get $rowBytes))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (v128.load offset=0 (local.get $p)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $p)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $p)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $p)))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $fs)))
            (v128.store offset=0 (i32.add (local.get $out) (local.get $c)) (local.get $a0))
            (v128.store offset=16 (i32.add (local.get $out) (local.get $c)) (local.get $a1))
            (v128.store offset=32 (i32.add (local.get $out) (local.get $c)) (local.get $a2))
            (v128.store offset=48 (i32.add (local.get $out) (local.get $c)) (local.get $a3))
            (local.set $c (i32.add (local.get $c) (i32.const 64)))
            (br $cols)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rows))))

  ;; G[u,:] = sum over (b,f) with uid[b,f] = u of vals[b,f] * D[b,:]; G's first U rows are zeroed first.
  (func (export "scatterSum") (param $G i32) (param $D i32) (param $uid i32) (param $vals i32)
                              (param $U i32) (param $B i32) (param $F i32) (param $Hp i32)
    (local $rowBytes i32) (local $b i32) (local $d i32) (local $c i32) (local $i i32) (local $iEnd i32)
    (local $g i32) (local $s v128) (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local.set $rowBytes (i32.shl (local.get $Hp) (i32.const 2)))
    (memory.fill (local.get $G) (i32.const 0) (i32.mul (local.get $U) (local.get $rowBytes)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $b) (local.get $B)))
        (local.set $d (i32.add (local.get $D) (i32.mul (local.get $b) (local.get $rowBytes))))
        (local.set $iEnd (i32.shl (i32.mul (i32.add (local.get $b) (i32.const 1)) (local.get $F)) (i32.const 2)))
        (local.set $c (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (local.set $d0 (v128.load offset=0 (i32.add (local.get $d) (local.get $c))))
            (local.set $d1 (v128.load offset=16 (i32.add (local.get $d) (local.get $c))))
            (local.set $d2 (v128.load offset=32 (i32.add (local.get $d) (local.get $c))))
            (local.set $d3 (v128.load offset=48 (i32.add (local.get $d) (local.get $c))))
            (local.set $i (i32.sub (local.get $iEnd) (i32.shl (local.get $F) (i32.const 2))))
            (block $fDone
              (loop $fs
                (br_if $fDone (i32.ge_u (local.get $i) (local.get $iEnd)))
                (local.set $s (v128.load32_splat (i32.add (local.get $vals) (local.get $i))))
                (local.set $g (i32.add (i32.add (local.get $G) (local.get $c))
                  (i32.mul (i32.load (i32.add (local.get $uid) (local.get $i))) (local.get $rowBytes))))
                (v128.store offset=0 (local.get $g) (f32x4.add (v128.load offset=0 (local.get $g)) (f32x4.mul (local.get $s) (local.get $d0))))
                (v128.store offset=16 (local.get $g) (f32x4.add (v128.load offset=16 (local.get $g)) (f32x4.mul (local.get $s) (local.get $d1))))
                (v128.store offset=32 (local.get $g) (f32x4.add (v128.load offset=32 (local.get $g)) (f32x4.mul (local.get $s) (local.get $d2))))
                (v128.store offset=48 (local.get $g) (f32x4.add (v128.load offset=48 (local.get $g)) (f32x4.mul (local.get $s) (local.get $d3))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $fs)))
            (local.set $c (i32.add (local.get $c) (i32.const 64)))
            (br $cols)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rows))))

  ;; dW[fieldOf[u]][k,:] += Eu[u,k] * G[u,:] for u < U, k < K (Eu's rows Es floats apart; dW zeroed by
  ;; the caller: it spans every field).
  (func (export "outer") (param $dW i32) (param $Eu i32) (param $fieldOf i32) (param $G i32)
                         (param $U i32) (param $K i32) (param $Es i32) (param $Hp i32)
    (local $rowBytes i32) (local $blockBytes i32) (local $u i32) (local $g i32) (local $c i32)
    (local $block i32) (local $w i32) (local $e i32) (local $eEnd i32) (local $s v128)
    (local $g0 v128) (local $g1 v128) (local $g2 v128) (local $g3 v128)
    (local.set $rowBytes (i32.shl (local.get $Hp) (i32.const 2)))
    (local.set $blockBytes (i32.mul (local.get $K) (local.get $rowBytes)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $u) (local.get $U)))
        (local.set $g (i32.add (local.get $G) (i32.mul (local.get $u) (local.get $rowBytes))))
        (local.set $block (i32.add (local.get $dW)
          (i32.mul (i32.load (i32.add (local.get $fieldOf) (i32.shl (local.get $u) (i32.const 2)))) (local.get $blockBytes))))
        (local.set $eEnd (i32.add (i32.add (local.get $Eu) (i32.shl (i32.mul (local.get $u) (local.get $Es)) (i32.const 2)))
          (i32.shl (local.get $K) (i32.const 2))))
        (local.set $c (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (local.set $g0 (v128.load offset=0 (i32.add (local.get $g) (local.get $c))))
            (local.set $g1 (v128.load offset=16 (i32.add (local.get $g) (local.get $c))))
            (local.set $g2 (v128.load offset=32 (i32.add (local.get $g) (local.get $c))))
            (local.set $g3 (v128.load offset=48 (i32.add (local.get $g) (local.get $c))))
            (local.set $w (i32.add (local.get $block) (local.get $c)))
            (local.set $e (i32.sub (local.get $eEnd) (i32.shl (local.get $K) (i32.const 2))))
            (block $kDone
              (loop $ks
                (br_if $kDone (i32.ge_u (local.get $e) (local.get $eEnd)))
                (local.set $s (v128.load32_splat (local.get $e)))
                (v128.store offset=0 (local.get $w) (f32x4.add (v128.load offset=0 (local.get $w)) (f32x4.mul (local.get $s) (local.get $g0))))
                (v128.store offset=16 (local.get $w) (f32x4.add (v128.load offset=16 (local.get $w)) (f32x4.mul (local.get $s) (local.get $g1))))
                (v128.store offset=32 (local.get $w) (f32x4.add (v128.load offset=32 (local.get $w)) (f32x4.mul (local.get $s) (local.get $g2))))
                (v128.store offset=48 (local.get $w) (f32x4.add (v128.load offset=48 (local.get $w)) (f32x4.mul (local.get $s) (local.get $g3))))
                (local.set $w (i32.add (local.get $w) (local.get $rowBytes)))
                (local.set $e (i32.add (local.get $e) (i32.const 4)))
                (br $ks)))
            (local.set $c (i32.add (local.get $c) (i32.const 64)))
            (br $cols)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $rows))))

  ;; dEu[u,k] = G[u,:] . W[fieldOf[u]][k,:] for u < U, k < K.
  (func (export "back") (param $dEu i32) (param $G i32) (param $fieldOf i32) (param $W i32)
                        (param $U i32) (param $K i32) (param $Hp i32)
    (local $rowBytes i32) (local $blockBytes i32) (local $u i32) (local $g i32) (local $c i32)
    (local $w i32) (local $wEnd i32) (local $out i32) (local $acc v128)
    (local.set $rowBytes (i32.shl (local.get $Hp) (i32.const 2)))
    (local.set $blockBytes (i32.mul (local.get $K) (local.get $rowBytes)))
    (local.set $out (local.get $dEu))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $u) (local.get $U)))
        (local.set $g (i32.add (local.get $G) (i32.mul (local.get $u) (local.get $rowBytes))))
        (local.set $w (i32.add (local.get $W)
          (i32.mul (i32.load (i32.add (local.get $fieldOf) (i32.shl (local.get $u) (i32.const 2)))) (local.get $blockBytes))))
        (local.set $wEnd (i32.add (local.get $w) (local.get $blockBytes)))
        (block $kDone
          (loop $ks
            (br_if $kDone (i32.ge_u (local.get $w) (local.get $wEnd)))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $c (i32.const 0))
            (loop $cols
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
                (v128.load offset=0 (i32.add (local.get $g) (local.get $c))) (v128.load offset=0 (i32.add (local.get $w) (local.get $c))))))
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
                (v128.load offset=16 (i32.add (local.get $g) (local.get $c))) (v128.load offset=16 (i32.add (local.get $w) (local.get $c))))))
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
                (v128.load offset=32 (i32.add (local.get $g) (local.get $c))) (v128.load offset=32 (i32.add (local.get $w) (local.get $c))))))
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
                (v128.load offset=48 (i32.add (local.get $g) (local.get $c))) (v128.load offset=48 (i32.add (local.get $w) (local.get $c))))))
              (local.set $c (i32.add (local.get $c) (i32.const 64)))
              (br_if $cols (i32.lt_u (local.get $c) (local.get $rowBytes))))
            (f32.store (local.get $out) (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
            (local.set $out (i32.add (local.get $out) (i32.const 4)))
            (local.set $w (i32.add (local.get $w) (local.get $rowBytes)))
            (br $ks)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $rows))))
)
