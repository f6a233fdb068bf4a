import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync','--enable-unsafe-webgpu'] });
const p = await b.newPage();
console.log(await p.evaluate(() => {
  const c1 = document.createElement('canvas'); const g2 = c1.getContext('webgl2');
  const c2 = document.createElement('canvas'); const g1 = c2.getContext('webgl');
  const c3 = document.createElement('canvas'); const g1p = c3.getContext('webgl', { preserveDrawingBuffer: true, antialias: true });
  return { webgl2: !!g2, webgl1: !!g1, webgl1p: !!g1p, angle: g1 ? !!g1.getExtension('ANGLE_instanced_arrays') : null, uint: g1 ? !!g1.getExtension('OES_element_index_uint') : null };
}));
await b.close();
