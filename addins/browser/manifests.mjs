// The manifest differences between the two builds.

/** The public half of the key that fixes the Chromium extension id
 * (eoogedgimkekgimmpbnjflbkiampkblj); the private half is not kept. */
export const CHROMIUM_KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAw1cTRaW6+kx3upCX23rHOLdCanOADA5pTXPRP72UbC4hqETGwFXw4f08MHpcxsBvTkI2vm0fVRXUfZ4BxS7/MbagxRi1dOjj3Tgvv2nQqpTrDPNYrMzjdBO4gPa/bPt02iK40A921acMOLPFEBKVdhFgEpIlpnK13045mqNejnEukOOEvQEnXMJ9xyNfjRs9+UYF/TpVc/9E8VucHW8gHowYoJLFhDmbiP0SjT8f3cyNOG6ydsuQdTEwzU49OgIjlh2fwcyd4LY5Vr4AcEFs9tiZEgDcL58Ts6iXVdUNFLbp5AY2H/SEWVYzyBq4N73krPwqDq6Z7tTqJifqDusDNwIDAQAB';

/** Firefox's add-on id, the one `allowed_extensions` of the native host names. */
export const GECKO_ID = 'chauffeur@chauffeur.dev';

export function chromium(base) {
  return {
    ...base,
    key: CHROMIUM_KEY,
    minimum_chrome_version: '116',
    permissions: [...base.permissions, 'tabGroups'],
    background: { service_worker: 'background.js', type: 'module' },
    incognito: 'spanning',
  };
}

export function firefox(base) {
  return {
    ...base,
    background: { scripts: ['background.js'], type: 'module' },
    browser_specific_settings: {
      gecko: {
        id: GECKO_ID,
        strict_min_version: '128.0',
        data_collection_permissions: { required: ['none'] },
      },
    },
  };
}
