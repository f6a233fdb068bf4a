(module
  (memory (export "memory") 1)

  ;; finish: reduces row i's four lanes to the best score (lowest index on equal scores) and the
  ;; runner-up, stores the label, and appends i to flagged[] when the gap is within
  ;; factor * (xn[i] + maxCn) (a NaN gap too). Returns the new flagged count.
  (func $finish
    (param $i i32) (param $min1 v128) (param $min2 v128) (param $idx v128)
    (param $labels i32) (param $xn i32) (param $factor f32) (param $maxCn f32) (param $flagged i32) (param $count i32)
    (result i32)
    (local $m v128) (local $bi v128) (local $s v128)
    ;; m = the least score, in every lane
    local.get $min1
    local.get $min1
    local.get $min1
    i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
    f32x4.min
    local.tee $m
    local.get $m
    local.get $m
    i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11
    f32x4.min
    local.set $m
    ;; bi = the lowest index among lanes holding it, in every lane
    local.get $idx
    v128.const i32x4 -1 -1 -1 -1
    local.get $min1
    local.get $m
    f32x4.eq
    v128.bitselect
    local.tee $bi
    local.get $bi
    local.get $bi
    i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
    i32x4.min_u
    local.tee $bi
    local.get $bi
    local.get $bi
    i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11
    i32x4.min_u
    local.set $bi
    ;; s = the runner-up: every lane's second best, and the best of the other lanes
    local.get $min2
    v128.const f32x4 inf inf inf inf
    local.get $min1
    local.get $idx
    local.get $bi
    i32x4.eq
    v128.bitselect
    f32x4.min
    local.tee $s
    local.get $s
    local.get $s
    i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
    f32x4.min
    local.tee $s
    local.get $s
    local.get $s
    i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11
    f32x4.min
    local.set $s
    local.get $labels
    local.get $i
    i32.const 2
    i32.shl
    i32.add
    local.get $bi
    i32x4.extract_lane 0
    i32.store
    local.get $s
    f32x4.extract_lane 0
    local.get $m
    f32x4.extract_lane 0
    f32.sub
    local.get $factor
    local.get $xn
    local.get $i
    i32.const 2
    i32.shl
    i32.add
    f32.load
    local.get $maxCn
    f32.add
    f32.mul
    f32.gt
    i32.eqz
    if
      local.get $flagged
      local.get $count
      i32.const 2
      i32.shl
      i32.add
      local.get $i
      i32.store
      local.get $count
      i32.const 1
      i32.add
      local.set $count
    end
    local.get $count)

  ;; assign: for every row i < n of x (f32, row-major, d columns) finds the centroid c < kPad with
  ;; the least score cn[c] + sum_j x[i, j] * ct[j, c], where ct = -2 * centroids, transposed
  ;; (row j holds kPad floats, kPad a multiple of 8) and cn = squared centroid norms (+inf for
  ;; padding). The score is the squared distance minus |x_i|^2, which does not change the argmin.
  ;; Rows go four at a time (4 rows x 8 centroids of accumulators), the last n % 4 one at a time.
  ;; Writes the winner to labels[i] (i32). Rows whose gap to the runner-up is within
  ;; factor * (xn[i] + maxCn) (the float32 error bound) go to flagged[] for an exact float64
  ;; check by the caller; returns how many were flagged.
  (func (export "assign")
    (param $x i32) (param $n i32) (param $d i32) (param $ct i32) (param $cn i32) (param $kPad i32)
    (param $labels i32) (param $xn i32) (param $factor f32) (param $maxCn f32) (param $flagged i32)
    (result i32)
    (local $i i32) (local $row i32) (local $g i32) (local $cp i32) (local $xp i32) (local $xend i32)
    (local $stride i32) (local $count i32) (local $rowBytes i32) (local $rs1 i32) (local $rs2 i32) (local $rs3 i32)
    (local $xv v128) (local $lt v128) (local $iv v128) (local $c0 v128) (local $c1 v128)
    (local $acc0_0 v128) (local $acc0_1 v128) (local $min1_0 v128) (local $min2_0 v128) (local $idx_0 v128) (local $acc1_0 v128) (local $acc1_1 v128) (local $min1_1 v128) (local $min2_1 v128) (local $idx_1 v128) (local $acc2_0 v128) (local $acc2_1 v128) (local $min1_2 v128) (local $min2_2 v128) (local $idx_2 v128) (local $acc3_0 v128) (local $acc3_1 v128) (local $min1_3 v128) (local $min2_3 v128) (local $idx_3 v128)
    local.get $kPad
    i32.const 2
    i32.shl
    local.set $stride
    local.get $d
    i32.const 2
    i32.shl
    local.tee $rowBytes
    local.tee $rs1
    local.get $rs1
    i32.add
    local.tee $rs2
    local.get $rs1
    i32.add
    local.set $rs3
    local.get $x
    local.set $row
    block $tilesDone
      loop $tiles
        local.get $i
        i32.const 4
        i32.add
        local.get $n
        i32.gt_u
        br_if $tilesDone
        f32.const inf
        f32x4.splat
        local.tee $min1_0
        local.set $min2_0
        v128.const i32x4 0 0 0 0
        local.set $idx_0
        f32.const inf
        f32x4.splat
        local.tee $min1_1
        local.set $min2_1
        v128.const i32x4 0 0 0 0
        local.set $idx_1
        f32.const inf
        f32x4.splat
        local.tee $min1_2
        local.set $min2_2
        v128.const i32x4 0 0 0 0
        local.set $idx_2
        f32.const inf
        f32x4.splat
        local.tee $min1_3
        local.set $min2_3
        v128.const i32x4 0 0 0 0
        local.set $idx_3
        v128.const i32x4 0 1 2 3
        local.set $iv
        i32.const 0
        local.set $g
        block $blocksDone_tiles
          loop $blocks_tiles
            local.get $g
            local.get $kPad
            i32.ge_u
            br_if $blocksDone_tiles
            local.get $cn
            local.get $g
            i32.const 2
            i32.shl
            i32.add
            local.set $cp
            local.get $cp
            v128.load
            local.set $acc0_0
            local.get $cp
            v128.load offset=16
            local.set $acc0_1
            local.get $cp
            v128.load
            local.set $acc1_0
            local.get $cp
            v128.load offset=16
            local.set $acc1_1
            local.get $cp
            v128.load
            local.set $acc2_0
            local.get $cp
            v128.load offset=16
            local.set $acc2_1
            local.get $cp
            v128.load
            local.set $acc3_0
            local.get $cp
            v128.load offset=16
            local.set $acc3_1
            local.get $ct
            local.get $g
            i32.const 2
            i32.shl
            i32.add
            local.set $cp
            local.get $row
            local.set $xp
            local.get $xp
            local.get $d
            i32.const 2
            i32.shl
            i32.add
            local.set $xend
            block $dimsDone_tiles
              loop $dims_tiles
                local.get $xp
                local.get $xend
                i32.ge_u
                br_if $dimsDone_tiles
                local.get $cp
                v128.load
                local.set $c0
                local.get $cp
                v128.load offset=16
                local.set $c1
                local.get $xp
                v128.load32_splat
                local.tee $xv
                local.get $c0
                f32x4.mul
                local.get $acc0_0
                f32x4.add
                local.set $acc0_0
                local.get $xv
                local.get $c1
                f32x4.mul
                local.get $acc0_1
                f32x4.add
                local.set $acc0_1
                local.get $xp
                local.get $rs1
                i32.add
                v128.load32_splat
                local.tee $xv
                local.get $c0
                f32x4.mul
                local.get $acc1_0
                f32x4.add
                local.set $acc1_0
                local.get $xv
                local.get $c1
                f32x4.mul
                local.get $acc1_1
                f32x4.add
                local.set $acc1_1
                local.get $xp
                local.get $rs2
                i32.add
                v128.load32_splat
                local.tee $xv
                local.get $c0
                f32x4.mul
                local.get $acc2_0
                f32x4.add
                local.set $acc2_0
                local.get $xv
                local.get $c1
                f32x4.mul
                local.get $acc2_1
                f32x4.add
                local.set $acc2_1
                local.get $xp
                local.get $rs3
                i32.add
                v128.load32_splat
                local.tee $xv
                local.get $c0
                f32x4.mul
                local.get $acc3_0
                f32x4.add
                local.set $acc3_0
                local.get $xv
                local.get $c1
                f32x4.mul
                local.get $acc3_1
                f32x4.add
                local.set $acc3_1
                local.get $cp
                local.get $stride
                i32.add
                local.set $cp
                local.get $xp
                i32.const 4
                i32.add
                local.set $xp
                br $dims_tiles
              end
            end
            local.get $acc0_0
            local.get $min1_0
            f32x4.lt
            local.set $lt
            local.get $min1_0
            local.get $min2_0
            local.get $acc0_0
            f32x4.min
            local.get $lt
            v128.bitselect
            local.set $min2_0
            local.get $acc0_0
            local.get $min1_0
            local.get $lt
            v128.bitselect
            local.set $min1_0
            local.get $iv
            local.get $idx_0
            local.get $lt
            v128.bitselect
            local.set $idx_0
            local.get $acc0_1
            local.get $min1_0
            f32x4.lt
            local.set $lt
            local.get $min1_0
            local.get $min2_0
            local.get $acc0_1
            f32x4.min
            local.get $lt
            v128.bitselect
            local.set $min2_0
            local.get $acc0_1
            local.get $min1_0
            local.get $lt
            v128.bitselect
            local.set $min1_0
            local.get $iv
            v128.const i32x4 4 4 4 4
            i32x4.add
            local.get $idx_0
            local.get $lt
            v128.bitselect
            local.set $idx_0
            local.get $acc1_0
            local.get $min1_1
            f32x4.lt
            local.set $lt
            local.get $min1_1
            local.get $min2_1
            local.get $acc1_0
            f32x4.min
            local.get $lt
            v128.bitselect
            local.set $min2_1
            local.get $acc1_0
            local.get $min1_1
            local.get $lt
            v128.bitselect
            local.set $min1_1
            local.get $iv
            local.get $idx_1
            local.get $lt
            v128.bitselect
            local.set $idx_1
            local.get $acc1_1
            local.get $min1_1
            f32x4.lt
            local.set $lt
            local.get $min1_1
            local.get $min2_1
            local.get $acc1_1
            f32x4.min
            local.get $lt
            v128.bitselect
            local.set $min2_1
            local.get $acc1_1
            local.get $min1_1
            local.get $lt
            v128.bitselect
            local.set $min1_1
            local.get $iv
            v128.const i32x4 4 4 4 4
            i32x4.add
            local.get $idx_1
            local.get $lt
            v128.bitselect
            local.set $idx_1
            local.get $acc2_0
            local.get $min1_2
            f32x4.lt
            local.set $lt
            local.get $min1_2
            local.get $min2_2
            local.get $acc2_0
            f32x4.min
            local.get $lt
            v128.bitselect
            local.set $min2_2
            local.get $acc2_0
            local.get $min1_2
            local.get $lt
            v128.bitselect
            local.set $min1_2
            local.get $iv
            local.get $idx_2
            local.get $lt
            v128.bitselect
            local.set $idx_2
            local.get $acc2_1
            local.get $min1_2
            f32x4.lt
            local.set $lt
            local.get $min1_2
            local.get $min2_2
            local.get $acc2_1
            f32x4.min
            local.get $lt
            v128.bitselect
            local.set $min2_2
            local.get $acc2_1
            local.get $min1_2
            local.get $lt
            v128.bitselect
            local.set $min1_2
            local.get $iv
            v128.const i32x4 4 4 4 4
            i32x4.add
            local.get $idx_2
            local.get $lt
            v128.bitselect
            local.set $idx_2
            local.get $acc3_0
            local.get $min1_3
            f32x4.lt
            local.set $lt
            local.get $min1_3
            local.get $min2_3
            local.get $acc3_0
            f32x4.min
            local.get $lt
            v128.bitselect
            local.set $min2_3
            local.get $acc3_0
            local.get $min1_3
            local.get $lt
            v128.bitselect
            local.set $min1_3
            local.get $iv
            local.get $idx_3
            local.get $lt
            v128.bitselect
            local.set $idx_3
            local.get $acc3_1
            local.get $min1_3
            f32x4.lt
            local.set $lt
            local.get $min1_3
            local.get $min2_3
            local.get $acc3_1
            f32x4.min
            local.get $lt
            v128.bitselect
            local.set $min2_3
            local.get $acc3_1
            local.get $min1_3
            local.get $lt
            v128.bitselect
            local.set $min1_3
            local.get $iv
            v128.const i32x4 4 4 4 4
            i32x4.add
            local.get $idx_3
            local.get $lt
            v128.bitselect
            local.set $idx_3
            local.get $iv
            v128.const i32x4 8 8 8 8
            i32x4.add
            local.set $iv
            local.get $g
            i32.const 8
            i32.add
            local.set $g
            br $blocks_tiles
          end
        end
        local.get $i
        
        local.get $min1_0
        local.get $min2_0
        local.get $idx_0
        local.get $labels
        local.get $xn
        local.get $factor
        local.get $maxCn
        local.get $flagged
        local.get $count
        call $finish
        local.set $count
        local.get $i
        i32.const 1
        i32.add
        local.get $min1_1
        local.get $min2_1
        local.get $idx_1
        local.get $labels
        local.get $xn
        local.get $factor
        local.get $maxCn
        local.get $flagged
        local.get $count
        call $finish
        local.set $count
        local.get $i
        i32.const 2
        i32.add
        local.get $min1_2
        local.get $min2_2
        local.get $idx_2
        local.get $labels
        local.get $xn
        local.get $factor
        local.get $maxCn
        local.get $flagged
        local.get $count
        call $finish
        local.set $count
        local.get $i
        i32.const 3
        i32.add
        local.get $min1_3
        local.get $min2_3
        local.get $idx_3
        local.get $labels
        local.get $xn
        local.get $factor
        local.get $maxCn
        local.get $flagged
        local.get $count
        call $finish
        local.set $count
        local.get $row
        local.get $rowBytes
        i32.const 4
        i32.mul
        i32.add
        local.set $row
        local.get $i
        i32.const 4
        i32.add
        local.set $i
        br $tiles
      end
    end
    block $rowsDone
      loop $rows
        local.get $i
        local.get $n
        i32.ge_u
        br_if $rowsDone
        f32.const inf
        f32x4.splat
        local.tee $min1_0
        local.set $min2_0
        v128.const i32x4 0 0 0 0
        local.set $idx_0
        v128.const i32x4 0 1 2 3
        local.set $iv
        i32.const 0
        local.set $g
        block $blocksDone_rows
          loop $blocks_rows
            local.get $g
            local.get $kPad
            i32.ge_u
            br_if $blocksDone_rows
            local.get $cn
            local.get $g
            i32.const 2
            i32.shl
            i32.add
            local.set $cp
            local.get $cp
            v128.load
            local.set $acc0_0
            local.get $cp
            v128.load offset=16
            local.set $acc0_1
            local.get $ct
            local.get $g
            i32.const 2
            i32.shl
            i32.add
            local.set $cp
            local.get $row
            local.set $xp
            local.get $xp
            local.get $d
            i32.const 2
            i32.shl
            i32.add
            local.set $xend
            block $dimsDone_rows
              loop $dims_rows
                local.get $xp
                local.get $xend
                i32.ge_u
                br_if $dimsDone_rows
                local.get $cp
                v128.load
                local.set $c0
                local.get $cp
                v128.load offset=16
                local.set $c1
                local.get $xp
                v128.load32_splat
                local.tee $xv
                local.get $c0
                f32x4.mul
                local.get $acc0_0
                f32x4.add
                local.set $acc0_0
                local.get $xv
                local.get $c1
                f32x4.mul
                local.get $acc0_1
                f32x4.add
                local.set $acc0_1
                local.get $cp
                local.get $stride
                i32.add
                local.set $cp
                local.get $xp
                i32.const 4
                i32.add
                local.set $xp
                br $dims_rows
              end
            end
            local.get $acc0_0
            local.get $min1_0
            f32x4.lt
            local.set $lt
            local.get $min1_0
            local.get $min2_0
            local.get $acc0_0
            f32x4.min
            local.get $lt
            v128.bitselect
            local.set $min2_0
            local.get $acc0_0
            local.get $min1_0
            local.get $lt
            v128.bitselect
            local.set $min1_0
            local.get $iv
            local.get $idx_0
            local.get $lt
            v128.bitselect
            local.set $idx_0
            local.get $acc0_1
            local.get $min1_0
            f32x4.lt
            local.set $lt
            local.get $min1_0
            local.get $min2_0
            local.get $acc0_1
            f32x4.min
            local.get $lt
            v128.bitselect
            local.set $min2_0
            local.get $acc0_1
            local.get $min1_0
            local.get $lt
            v128.bitselect
            local.set $min1_0
            local.get $iv
            v128.const i32x4 4 4 4 4
            i32x4.add
            local.get $idx_0
            local.get $lt
            v128.bitselect
            local.set $idx_0
            local.get $iv
            v128.const i32x4 8 8 8 8
            i32x4.add
            local.set $iv
            local.get $g
            i32.const 8
            i32.add
            local.set $g
            br $blocks_rows
          end
        end
        local.get $i
        
        local.get $min1_0
        local.get $min2_0
        local.get $idx_0
        local.get $labels
        local.get $xn
        local.get $factor
        local.get $maxCn
        local.get $flagged
        local.get $count
        call $finish
        local.set $count
        local.get $row
        local.get $rowBytes
        i32.const 1
        i32.mul
        i32.add
        local.set $row
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $rows
      end
    end
    local.get $count)

;; flush: splits each of a cluster's d running sums a[j] into `parts` float64 parts added to
  ;; s[p][j] (part p's block at s + p * partBytes) and zeroes a[j]. Part p < parts - 1 is
  ;; hi = (r + C) - C with C = consts[p][j] (d float64 per part), which rounds the rest r to a
  ;; multiple of C's unit; the last part is what remains. Two columns per f64x2.
  (func $flush
    (param $a i32) (param $s i32) (param $consts i32) (param $d i32) (param $parts i32) (param $partBytes i32)
    (local $end i32) (local $sp i32) (local $kp i32) (local $p i32) (local $dBytes i32)
    (local $v v128) (local $c v128) (local $h v128)
    (local $vs f64) (local $cs f64) (local $hs f64)
    local.get $d
    i32.const 3
    i32.shl
    local.set $dBytes
    ;; end: where the whole pairs of columns end
    local.get $a
    local.get $d
    i32.const -2
    i32.and
    i32.const 3
    i32.shl
    i32.add
    local.set $end
    block $pairsDone
      loop $pairs
        local.get $a
        local.get $end
        i32.ge_u
        br_if $pairsDone
        local.get $a
        v128.load
        local.set $v
        local.get $a
        v128.const i64x2 0 0
        v128.store
        local.get $s
        local.set $sp
        local.get $consts
        local.set $kp
        local.get $parts
        i32.const 1
        i32.sub
        local.set $p
        block $splitDone
          loop $split
            local.get $p
            i32.eqz
            br_if $splitDone
            ;; h = (v + C) - C; sums += h; v -= h
            local.get $v
            local.get $kp
            v128.load
            local.tee $c
            f64x2.add
            local.get $c
            f64x2.sub
            local.set $h
            local.get $sp
            local.get $sp
            v128.load
            local.get $h
            f64x2.add
            v128.store
            local.get $v
            local.get $h
            f64x2.sub
            local.set $v
            local.get $sp
            local.get $partBytes
            i32.add
            local.set $sp
            local.get $kp
            local.get $dBytes
            i32.add
            local.set $kp
            local.get $p
            i32.const 1
            i32.sub
            local.set $p
            br $split
          end
        end
        local.get $sp
        local.get $sp
        v128.load
        local.get $v
        f64x2.add
        v128.store
        local.get $a
        i32.const 16
        i32.add
        local.set $a
        local.get $s
        i32.const 16
        i32.add
        local.set $s
        local.get $consts
        i32.const 16
        i32.add
        local.set $consts
        br $pairs
      end
    end
    ;; an odd last column, the same steps in scalar float64
    local.get $d
    i32.const 1
    i32.and
    if
      local.get $a
      f64.load
      local.set $vs
      local.get $a
      f64.const 0
      f64.store
      local.get $s
      local.set $sp
      local.get $consts
      local.set $kp
      local.get $parts
      i32.const 1
      i32.sub
      local.set $p
      block $oddDone
        loop $odd
          local.get $p
          i32.eqz
          br_if $oddDone
          local.get $vs
          local.get $kp
          f64.load
          local.tee $cs
          f64.add
          local.get $cs
          f64.sub
          local.set $hs
          local.get $sp
          local.get $sp
          f64.load
          local.get $hs
          f64.add
          f64.store
          local.get $vs
          local.get $hs
          f64.sub
          local.set $vs
          local.get $sp
          local.get $partBytes
          i32.add
          local.set $sp
          local.get $kp
          local.get $dBytes
          i32.add
          local.set $kp
          local.get $p
          i32.const 1
          i32.sub
          local.set $p
          br $odd
        end
      end
      local.get $sp
      local.get $sp
      f64.load
      local.get $vs
      f64.add
      f64.store
    end)

  ;; update: counts[labels[i]] += 1 and x[i, :] added to its cluster's running sums
  ;; fast[labels[i]][:] (float64, d per cluster), which are exact for `rowsPerFlush` rows
  ;; (exact-sums.ts chooses it); every cluster's running sums are flushed into its exact parts
  ;; (sums, `parts` blocks of k x d float64, partBytes apart) when they hold that many rows, and
  ;; once more at the end. pending[c] (i32): rows in cluster c's running sums, kept only when
  ;; rowsPerFlush <= n. Two columns per f64x2. The caller zeroes sums, counts, fast and pending.
  (func (export "update")
    (param $x i32) (param $n i32) (param $d i32) (param $labels i32) (param $sums i32) (param $counts i32)
    (param $consts i32) (param $parts i32) (param $partBytes i32) (param $fast i32) (param $pending i32)
    (param $k i32) (param $rowsPerFlush i32)
    (local $i i32) (local $l i32) (local $base i32) (local $xp i32) (local $pairEnd i32) (local $cp i32)
    (local $dBytes i32) (local $fill i32) (local $pp i32) (local $counting i32)
    local.get $d
    i32.const 3
    i32.shl
    local.set $dBytes
    local.get $x
    local.set $xp
    ;; counting: whether any cluster can reach rowsPerFlush rows (else one flush each at the end)
    local.get $rowsPerFlush
    local.get $n
    i32.le_u
    local.set $counting
    block $rowsDone
      loop $rows
        local.get $i
        local.get $n
        i32.ge_u
        br_if $rowsDone
        local.get $labels
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.set $l
        local.get $counts
        local.get $l
        i32.const 3
        i32.shl
        i32.add
        local.tee $cp
        local.get $cp
        f64.load
        f64.const 1
        f64.add
        f64.store
        local.get $fast
        local.get $l
        local.get $dBytes
        i32.mul
        i32.add
        local.set $base
        ;; pairEnd: where the row's whole pairs of columns end
        local.get $xp
        local.get $d
        i32.const -2
        i32.and
        i32.const 2
        i32.shl
        i32.add
        local.set $pairEnd
        block $pairsDone
          loop $pairs
            local.get $xp
            local.get $pairEnd
            i32.ge_u
            br_if $pairsDone
            local.get $base
            local.get $base
            v128.load
            local.get $xp
            v128.load64_zero
            f64x2.promote_low_f32x4
            f64x2.add
            v128.store
            local.get $base
            i32.const 16
            i32.add
            local.set $base
            local.get $xp
            i32.const 8
            i32.add
            local.set $xp
            br $pairs
          end
        end
        ;; an odd last column
        local.get $d
        i32.const 1
        i32.and
        if
          local.get $base
          local.get $base
          f64.load
          local.get $xp
          f32.load
          f64.promote_f32
          f64.add
          f64.store
          local.get $xp
          i32.const 4
          i32.add
          local.set $xp
        end
        ;; one more row in the running sums: flush them when they hold rowsPerFlush rows
        local.get $counting
        if
        local.get $pending
        local.get $l
        i32.const 2
        i32.shl
        i32.add
        local.tee $pp
        i32.load
        i32.const 1
        i32.add
        local.tee $fill
        local.get $rowsPerFlush
        i32.ge_u
        if
          local.get $fast
          local.get $l
          local.get $dBytes
          i32.mul
          i32.add
          local.get $sums
          local.get $l
          local.get $dBytes
          i32.mul
          i32.add
          local.get $consts
          local.get $d
          local.get $parts
          local.get $partBytes
          call $flush
          i32.const 0
          local.set $fill
        end
        local.get $pp
        local.get $fill
        i32.store
        end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $rows
      end
    end
    ;; flush what every cluster's running sums still hold
    i32.const 0
    local.set $l
    block $clustersDone
      loop $clusters
        local.get $l
        local.get $k
        i32.ge_u
        br_if $clustersDone
        local.get $pending
        local.get $l
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $counting
        i32.eqz
        i32.or
        if
          local.get $fast
          local.get $l
          local.get $dBytes
          i32.mul
          i32.add
          local.get $sums
          local.get $l
          local.get $dBytes
          i32.mul
          i32.add
          local.get $consts
          local.get $d
          local.get $parts
          local.get $partBytes
          call $flush
        end
        local.get $l
        i32.const 1
        i32.add
        local.set $l
        br $clusters
      end
    end)

  ;; rests: for each of `count` records (row i32, column i32, value f64; 16 bytes) adds the value,
  ;; what part 0 left of an x[row, column] (below part 0's unit), to parts 1 .. parts - 1 of its
  ;; cluster's sums, split as $flush splits: sums[p][labels[row]][column], the constants of
  ;; part p at consts[p][column].
  (func (export "rests")
    (param $records i32) (param $count i32) (param $labels i32) (param $sums i32) (param $consts i32)
    (param $parts i32) (param $partBytes i32) (param $d i32)
    (local $r i32) (local $end i32) (local $col i32) (local $sp i32) (local $kp i32) (local $p i32)
    (local $v f64) (local $c f64) (local $h f64)
    local.get $records
    local.set $r
    local.get $records
    local.get $count
    i32.const 4
    i32.shl
    i32.add
    local.set $end
    block $done
      loop $each
        local.get $r
        local.get $end
        i32.ge_u
        br_if $done
        local.get $r
        i32.load offset=4
        local.set $col
        local.get $r
        f64.load offset=8
        local.set $v
        ;; sp: sums[1][label][col]
        local.get $sums
        local.get $partBytes
        i32.add
        local.get $labels
        local.get $r
        i32.load
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $d
        i32.mul
        local.get $col
        i32.add
        i32.const 3
        i32.shl
        i32.add
        local.set $sp
        ;; kp: consts[1][col]
        local.get $consts
        local.get $d
        local.get $col
        i32.add
        i32.const 3
        i32.shl
        i32.add
        local.set $kp
        local.get $parts
        i32.const 2
        i32.sub
        local.set $p
        block $splitDone
          loop $split
            local.get $p
            i32.const 0
            i32.le_s
            br_if $splitDone
            local.get $v
            local.get $kp
            f64.load
            local.tee $c
            f64.add
            local.get $c
            f64.sub
            local.set $h
            local.get $sp
            local.get $sp
            f64.load
            local.get $h
            f64.add
            f64.store
            local.get $v
            local.get $h
            f64.sub
            local.set $v
            local.get $sp
            local.get $partBytes
            i32.add
            local.set $sp
            local.get $kp
            local.get $d
            i32.const 3
            i32.shl
            i32.add
            local.set $kp
            local.get $p
            i32.const 1
            i32.sub
            local.set $p
            br $split
          end
        end
        local.get $sp
        local.get $sp
        f64.load
        local.get $v
        f64.add
        f64.store
        local.get $r
        i32.const 16
        i32.add
        local.set $r
        br $each
      end
    end)

;; roundValue: out[0] = x[0] rounded to a multiple of C's unit, (v + C) - C with C = f64 at kp,
  ;; stored as float32 (it has at most 24 significant bits); when that changed v, appends the
  ;; record (i i32, j i32, v - rounded f64; 16 bytes) at records + count * 16. Returns the new
  ;; count, or -1 at max records.
  (func $roundValue
    (param $xp i32) (param $op i32) (param $kp i32) (param $i i32) (param $j i32) (param $records i32)
    (param $count i32) (param $max i32) (result i32)
    (local $v f64) (local $c f64) (local $h f64) (local $rp i32)
    local.get $xp
    f32.load
    f64.promote_f32
    local.tee $v
    local.get $kp
    f64.load
    local.tee $c
    f64.add
    local.get $c
    f64.sub
    local.set $h
    local.get $op
    local.get $h
    f32.demote_f64
    f32.store
    local.get $v
    local.get $h
    f64.eq
    if
      local.get $count
      return
    end
    local.get $count
    local.get $max
    i32.ge_u
    if
      i32.const -1
      return
    end
    local.get $records
    local.get $count
    i32.const 4
    i32.shl
    i32.add
    local.tee $rp
    local.get $i
    i32.store
    local.get $rp
    local.get $j
    i32.store offset=4
    local.get $rp
    local.get $v
    local.get $h
    f64.sub
    f64.store offset=8
    local.get $count
    i32.const 1
    i32.add)

  ;; round: out[i, j] = x[i, j] rounded to part 0's unit by $roundValue with C = consts[j], and
  ;; the records of the values that changed. Four columns at a time (f64x2 on each half); a
  ;; quad where some value changed is redone value by value to append its records. Returns how
  ;; many records, or -1 past maxRecords.
  (func (export "round")
    (param $x i32) (param $n i32) (param $d i32) (param $consts i32) (param $out i32) (param $records i32)
    (param $maxRecords i32) (result i32)
    (local $i i32) (local $j i32) (local $t i32) (local $xp i32) (local $op i32) (local $kp i32) (local $count i32)
    (local $v v128) (local $a v128) (local $b v128) (local $ca v128) (local $cb v128) (local $ha v128) (local $hb v128)
    local.get $x
    local.set $xp
    local.get $out
    local.set $op
    block $rowsDone
      loop $rows
        local.get $i
        local.get $n
        i32.ge_u
        br_if $rowsDone
        local.get $consts
        local.set $kp
        i32.const 0
        local.set $j
        block $quadsDone
          loop $quads
            local.get $j
            i32.const 4
            i32.add
            local.get $d
            i32.gt_u
            br_if $quadsDone
            local.get $xp
            v128.load
            local.tee $v
            f64x2.promote_low_f32x4
            local.set $a
            local.get $v
            local.get $v
            i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
            f64x2.promote_low_f32x4
            local.set $b
            local.get $a
            local.get $kp
            v128.load
            local.tee $ca
            f64x2.add
            local.get $ca
            f64x2.sub
            local.set $ha
            local.get $b
            local.get $kp
            v128.load offset=16
            local.tee $cb
            f64x2.add
            local.get $cb
            f64x2.sub
            local.set $hb
            local.get $op
            local.get $ha
            f32x4.demote_f64x2_zero
            local.get $hb
            f32x4.demote_f64x2_zero
            i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            v128.store
            local.get $a
            local.get $ha
            f64x2.ne
            local.get $b
            local.get $hb
            f64x2.ne
            v128.or
            v128.any_true
            if
              i32.const 0
              local.set $t
              block $valuesDone
                loop $values
                  local.get $t
                  i32.const 4
                  i32.ge_u
                  br_if $valuesDone
                  local.get $xp
                  local.get $t
                  i32.const 2
                  i32.shl
                  i32.add
                  local.get $op
                  local.get $t
                  i32.const 2
                  i32.shl
                  i32.add
                  local.get $kp
                  local.get $t
                  i32.const 3
                  i32.shl
                  i32.add
                  local.get $i
                  local.get $j
                  local.get $t
                  i32.add
                  local.get $records
                  local.get $count
                  local.get $maxRecords
                  call $roundValue
                  local.tee $count
                  i32.const 0
                  i32.lt_s
                  if
                    i32.const -1
                    return
                  end
                  local.get $t
                  i32.const 1
                  i32.add
                  local.set $t
                  br $values
                end
              end
            end
            local.get $xp
            i32.const 16
            i32.add
            local.set $xp
            local.get $op
            i32.const 16
            i32.add
            local.set $op
            local.get $kp
            i32.const 32
            i32.add
            local.set $kp
            local.get $j
            i32.const 4
            i32.add
            local.set $j
            br $quads
          end
        end
        ;; the row's last d % 4 columns, one at a time
        block $tailDone
          loop $tail
            local.get $j
            local.get $d
            i32.ge_u
            br_if $tailDone
            local.get $xp
            local.get $op
            local.get $kp
            local.get $i
            local.get $j
            local.get $records
            local.get $count
            local.get $maxRecords
            call $roundValue
            local.tee $count
            i32.const 0
            i32.lt_s
            if
              i32.const -1
              return
            end
            local.get $xp
            i32.const 4
            i32.add
            local.set $xp
            local.get $op
            i32.const 4
            i32.add
            local.set $op
            local.get $kp
            i32.const 8
            i32.add
            local.set $kp
            local.get $j
            i32.const 1
            i32.add
            local.set $j
            br $tail
          end
        end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $rows
      end
    end
    local.get $count)

  ;; add: sums[labels[i] * d + j] += x[i, j] (float64, rows in order) and counts[labels[i]] += 1:
  ;; exact sums when the caller knows they cannot round (exact-sums.ts: values rounded to part 0's
  ;; unit). Two columns per f64x2 add. The caller zeroes sums and counts.
  (func (export "add")
    (param $x i32) (param $n i32) (param $d i32) (param $labels i32) (param $sums i32) (param $counts i32)
    (local $i i32) (local $l i32) (local $base i32) (local $xp i32) (local $pairEnd i32) (local $cp i32)
    local.get $x
    local.set $xp
    block $rowsDone
      loop $rows
        local.get $i
        local.get $n
        i32.ge_u
        br_if $rowsDone
        local.get $labels
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.set $l
        local.get $counts
        local.get $l
        i32.const 3
        i32.shl
        i32.add
        local.tee $cp
        local.get $cp
        f64.load
        f64.const 1
        f64.add
        f64.store
        local.get $sums
        local.get $l
        local.get $d
        i32.mul
        i32.const 3
        i32.shl
        i32.add
        local.set $base
        ;; pairEnd: where the row's whole pairs of columns end
        local.get $xp
        local.get $d
        i32.const -2
        i32.and
        i32.const 2
        i32.shl
        i32.add
        local.set $pairEnd
        block $pairsDone
          loop $pairs
            local.get $xp
            local.get $pairEnd
            i32.ge_u
            br_if $pairsDone
            local.get $base
            local.get $base
            v128.load
            local.get $xp
            v128.load64_zero
            f64x2.promote_low_f32x4
            f64x2.add
            v128.store
            local.get $base
            i32.const 16
            i32.add
            local.set $base
            local.get $xp
            i32.const 8
            i32.add
            local.set $xp
            br $pairs
          end
        end
        ;; an odd last column
        local.get $d
        i32.const 1
        i32.and
        if
          local.get $base
          local.get $base
          f64.load
          local.get $xp
          f32.load
          f64.promote_f32
          f64.add
          f64.store
          local.get $xp
          i32.const 4
          i32.add
          local.set $xp
        end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $rows
      end
    end)
)
