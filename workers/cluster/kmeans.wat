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

  ;; update: sums[labels[i] * d + j] += x[i, j] (float64, rows in order) and counts[labels[i]] += 1.
  ;; Two columns per f64x2 add; each sum is the same chain of float64 adds as a scalar loop.
  ;; The caller zeroes sums and counts.
  (func (export "update")
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
