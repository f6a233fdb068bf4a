(module
  (memory (export "memory") 1)
  ;; Adds gh pairs of rows[begin, end) into hist[(f * 256 + bin) * 2] for every feature f < F.
  ;; bins: row-major u8 [row * F + f]; rows: u32; gh: f32 pairs; hist: f64 pairs.
  (func (export "build") (param $bins i32) (param $F i32) (param $rows i32) (param $begin i32) (param $end i32) (param $gh i32) (param $hist i32)
    (local $p i32) (local $r i32) (local $g f64) (local $h f64) (local $rowBase i32) (local $f i32) (local $idx i32) (local $ghAt i32)
    local.get $begin
    local.set $p
    block $done
      loop $rowloop
        local.get $p
        local.get $end
        i32.ge_u
        br_if $done
        local.get $rows
        local.get $p
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.set $r
        local.get $gh
        local.get $r
        i32.const 3
        i32.shl
        i32.add
        local.tee $ghAt
        f32.load
        f64.promote_f32
        local.set $g
        local.get $ghAt
        f32.load offset=4
        f64.promote_f32
        local.set $h
        local.get $bins
        local.get $r
        local.get $F
        i32.mul
        i32.add
        local.set $rowBase
        i32.const 0
        local.set $f
        block $fdone
          loop $floop
            local.get $f
            local.get $F
            i32.ge_u
            br_if $fdone
            local.get $hist
            local.get $f
            i32.const 12
            i32.shl
            i32.add
            local.get $rowBase
            local.get $f
            i32.add
            i32.load8_u
            i32.const 4
            i32.shl
            i32.add
            local.tee $idx
            local.get $idx
            f64.load
            local.get $g
            f64.add
            f64.store
            local.get $idx
            local.get $idx
            f64.load offset=8
            local.get $h
            f64.add
            f64.store offset=8
            local.get $f
            i32.const 1
            i32.add
            local.set $f
            br $floop
          end
        end
        local.get $p
        i32.const 1
        i32.add
        local.set $p
        br $rowloop
      end
    end)
)
